from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ketnoi.core"
    label = "core"
    verbose_name = "ketnoi core"
