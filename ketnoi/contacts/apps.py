from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "ketnoi.contacts"
    label = "contacts"
    verbose_name = "Contacts"
