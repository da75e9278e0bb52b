from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "ketnoi.dossiers"
    label = "dossiers"
    verbose_name = "Dossiers"

    def ready(self) -> None:
        from ketnoi.channels.inbound import register_event_handler

        from .inbound import HANDLED_KINDS, link_from_event

        # After contacts (10), which creates the ChannelContact this handler links.
        register_event_handler(HANDLED_KINDS, link_from_event, order=30)
