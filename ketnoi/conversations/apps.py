from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    """What the citizen's chat does. Inbound events reach it through the channels' handler registry (order 50:
    after contacts stored the message and opened the window, and dossiers linked a QR follow)."""

    name = "ketnoi.conversations"
    label = "conversations"
    verbose_name = "Conversations"

    def ready(self) -> None:
        from ketnoi.channels.inbound import register_event_handler
        from ketnoi.channels.types.base import EventKind

        from .engine import handle_message
        from .flows import load_flows
        from .welcome import goodbye_on_unfollow, welcome_on_follow

        load_flows()
        register_event_handler({EventKind.FOLLOW}, welcome_on_follow, order=50)
        register_event_handler({EventKind.UNFOLLOW}, goodbye_on_unfollow, order=50)
        register_event_handler({EventKind.MESSAGE, EventKind.SUBMIT_INFO}, handle_message, order=50)
