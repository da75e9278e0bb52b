"""Console routes: documents to process, assigned by the province's document-management system (issue 15)."""

from django.urls import path

from ketnoi.console.views.documents import DocumentListView

urlpatterns: list = [
    path("assigned-documents/", DocumentListView.as_view(), name="document_list"),
]
