from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "ketnoi.outbox"
    label = "outbox"
    verbose_name = "Outbox"
