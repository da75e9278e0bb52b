from django.apps import AppConfig


class BroadcastsConfig(AppConfig):
    """Broadcasts, audiences, subscriptions, community groups and the officials' internal channel (issue 7)."""

    name = "ketnoi.broadcasts"
    label = "broadcasts"
    verbose_name = "Broadcasts"
