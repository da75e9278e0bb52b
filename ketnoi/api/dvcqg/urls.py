from django.urls import path

from . import views

app_name = "dvcqg"

urlpatterns = [
    path("adapter/auth", views.adapter_auth, name="adapter_auth"),
    path("adapter/service", views.adapter_service, name="adapter_service"),
    path("rest/<str:key>/<str:action>", views.array_action, name="array_action"),
]
