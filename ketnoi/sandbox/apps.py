from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class SandboxConfig(AppConfig):
    """A stand-in for Zalo's servers. Only development and test settings install it; production refuses it."""

    name = "ketnoi.sandbox"
    label = "sandbox"
    verbose_name = "Zalo sandbox"

    def ready(self) -> None:
        import os

        from django.conf import settings

        module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
        if module.endswith("settings.production") or getattr(settings, "IS_PRODUCTION", False):
            raise ImproperlyConfigured("The Zalo sandbox cannot be installed in production.")
        from .devserver import keep_zalo_headers

        keep_zalo_headers()
