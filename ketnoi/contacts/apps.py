from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "ketnoi.contacts"
    label = "contacts"
    verbose_name = "Contacts"

    def ready(self) -> None:
        from ketnoi.channels.inbound import register_event_handler

        from .inbound import HANDLED_KINDS, handle_event

        register_event_handler(HANDLED_KINDS, handle_event, order=10)
