from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "ketnoi.channels"
    label = "channels"
    verbose_name = "Channels"

    def ready(self) -> None:
        from .types import load_channel_types  # noqa: PLC0415

        load_channel_types()
