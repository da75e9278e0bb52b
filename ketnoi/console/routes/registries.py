"""Console routes: public registries (issue 9)."""

from django.urls import path

from ketnoi.console.views import registries

urlpatterns: list = [
    path("registries/", registries.RegistryListView.as_view(), name="registry_list"),
    path("registries/import/", registries.RegistryImportView.as_view(), name="registry_import"),
]
