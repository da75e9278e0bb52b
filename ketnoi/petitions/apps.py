from django.apps import AppConfig


class PetitionsConfig(AppConfig):
    """Petitions and feedback (PAKN) and business questions (issue 8)."""

    name = "ketnoi.petitions"
    label = "petitions"
    verbose_name = "Petitions"
