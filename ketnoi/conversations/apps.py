from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    """What the citizen's chat does. Inbound events reach it through the channels' handler registry."""

    name = "ketnoi.conversations"
    label = "conversations"
    verbose_name = "Conversations"

    def ready(self) -> None:
        from ketnoi.channels.inbound import register_event_handler
        from ketnoi.channels.types.base import EventKind

        from .welcome import welcome_on_follow

        register_event_handler({EventKind.FOLLOW}, welcome_on_follow, order=50)
