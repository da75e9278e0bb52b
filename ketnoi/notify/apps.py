from django.apps import AppConfig


class NotifyConfig(AppConfig):
    """Notifications for other systems of the province (issue 21): sending services, API keys, templates,
    notifications through the outbox, their statuses and signed callbacks."""

    name = "ketnoi.notify"
    label = "notify"
    verbose_name = "Notifications API"
