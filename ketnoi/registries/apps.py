from django.apps import AppConfig


class RegistriesConfig(AppConfig):
    """Public registries such as food-safety certified establishments (issue 9)."""

    name = "ketnoi.registries"
    label = "registries"
    verbose_name = "Registries"
