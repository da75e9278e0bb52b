from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Documents to process: what the province's document-management system assigns to officials (issue 15)."""

    name = "ketnoi.documents"
    label = "documents"
    verbose_name = "Documents to process"
