from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ketnoi.portal"
    label = "portal"
    verbose_name = "Public portal"
