from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "ketnoi.outbox"
    label = "outbox"
    verbose_name = "Outbox"

    def ready(self) -> None:
        from ketnoi.channels.inbound import register_event_handler
        from ketnoi.channels.types.base import EventKind

        from .receipts import receipt_handle

        register_event_handler({EventKind.DELIVERED, EventKind.SEEN}, receipt_handle, order=20)
