from django.apps import AppConfig


class InboxConfig(AppConfig):
    """Officials' inbox: conversations handed off by the bot or asked for by the citizen (issue 6)."""

    name = "ketnoi.inbox"
    label = "inbox"
    verbose_name = "Inbox"
