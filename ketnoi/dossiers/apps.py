from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "ketnoi.dossiers"
    label = "dossiers"
    verbose_name = "Dossiers"
