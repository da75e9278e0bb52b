from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """A stand-in for Zalo's servers. Only development and test settings install it; production refuses it."""

    name = "ketnoi.sandbox"
    label = "sandbox"
    verbose_name = "Zalo sandbox"
