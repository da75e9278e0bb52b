from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "ketnoi.channels"
    label = "channels"
    verbose_name = "Channels"

    def ready(self) -> None:
        from . import cache  # noqa: F401 - connects the signals that forget changed channels
        from .types import load_channel_types

        load_channel_types()
