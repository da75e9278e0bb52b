from django.apps import AppConfig


class InboxConfig(AppConfig):
    """Officials' inbox: conversations handed off by the bot or asked for by the citizen (issue 6)."""

    name = "ketnoi.inbox"
    label = "inbox"
    verbose_name = "Inbox"

    def ready(self) -> None:
        from ketnoi.channels.inbound import register_event_handler

        from .inbound import HANDLED_KINDS, ORDER, attach_to_handoff

        register_event_handler(HANDLED_KINDS, attach_to_handoff, order=ORDER)
