from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "ketnoi.procedures"
    label = "procedures"
    verbose_name = "Administrative procedures (TTHC catalog)"
