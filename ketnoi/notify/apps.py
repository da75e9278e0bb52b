from django.apps import AppConfig


class NotifyConfig(AppConfig):
    """Notifications for other systems of the province (issue 21): sending services, API keys, templates,
    notifications through the outbox, their statuses and signed callbacks."""

    name = "ketnoi.notify"
    label = "notify"
    verbose_name = "Notifications API"

    def ready(self) -> None:
        from ketnoi.channels.inbound import register_event_handler
        from ketnoi.channels.types.base import EventKind

        from .tracking import receipt_track

        # After the outbox (20) has moved its rows on: the notifications they carry follow at once.
        register_event_handler({EventKind.DELIVERED, EventKind.SEEN}, receipt_track, order=21)
