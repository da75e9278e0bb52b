from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    """What the citizen's chat does. The inbound pipeline (ketnoi/pipeline/inbound.py) calls engine.answer and
    welcome.welcome/goodbye; the flows are plug-ins, each module of flows/ imported here at start-up."""

    name = "ketnoi.conversations"
    label = "conversations"
    verbose_name = "Conversations"

    def ready(self) -> None:
        from .flows import load_flows

        load_flows()
