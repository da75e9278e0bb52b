from django.apps import AppConfig


class BroadcastsConfig(AppConfig):
    """Broadcasts, audiences, subscriptions, community groups and the officials' internal channel (issue 7)."""

    name = "ketnoi.broadcasts"
    label = "broadcasts"
    verbose_name = "Broadcasts"

    def ready(self) -> None:
        from ketnoi.channels.inbound import register_event_handler

        from .inbound import HANDLED_KINDS, handle_event
        from .services.chatgroups import GROUP_KINDS, chat_group_event

        register_event_handler(HANDLED_KINDS, handle_event, order=45)
        register_event_handler(GROUP_KINDS, chat_group_event, order=46)
