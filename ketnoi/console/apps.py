from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "ketnoi.console"
    label = "console"
    verbose_name = "Officials' console"
