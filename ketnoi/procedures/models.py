"""The administrative procedure catalog (thủ tục hành chính, TTHC): one row per procedure, details in JSON fields."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ketnoi.core.models import UUIDModel
from ketnoi.core.text import fold


class ProcedureLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    COMMUNE = "commune", _("Commune")


class OnlineLevel(models.TextChoices):
    """Decree 42/2022: full-process online (toàn trình), partial online (một phần), or not offered online."""

    FULL = "full", _("Full-process online")
    PARTIAL = "partial", _("Partially online")
    NONE = "none", _("Not online")


class Procedure(UUIDModel):
    code = models.CharField(max_length=40, unique=True, help_text=_("National TTHC code, e.g. 1.001193."))
    name = models.CharField(max_length=500)
    name_en = models.CharField(
        max_length=500, blank=True, help_text=_("English name: shown to people who chose English, and searched.")
    )
    name_folded = models.CharField(
        max_length=1001, db_index=True, editable=False, help_text="Folded Vietnamese and English names, for search."
    )
    field = models.CharField(max_length=200, blank=True, help_text=_("Field (lĩnh vực), e.g. Hộ tịch."))
    agency = models.ForeignKey(
        "orgs.Agency",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="procedures",
        help_text=_("Competent agency; empty when every commune's People's Committee decides it."),
    )
    level = models.CharField(max_length=20, choices=ProcedureLevel.choices, default=ProcedureLevel.COMMUNE)
    online_level = models.CharField(max_length=20, choices=OnlineLevel.choices, default=OnlineLevel.PARTIAL)
    processing_days = models.PositiveIntegerField(default=0, help_text=_("Working days; 0 means the same day."))
    fee_text = models.CharField(max_length=500, blank=True)
    fee_amount = models.PositiveBigIntegerField(default=0, help_text=_("In đồng; 0 when free."))
    documents = models.JSONField(default=list, blank=True, help_text="[{name, copies, note}]")
    forms = models.JSONField(default=list, blank=True, help_text="[{name, url}]")
    legal_basis = models.TextField(blank=True)
    allows_postal_return = models.BooleanField(default=True)
    allows_authorization = models.BooleanField(default=True)
    issues_electronic_result = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["field", "name"]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def save(self, *args, **kwargs):
        self.name_folded = fold(f"{self.name} {self.name_en}".strip())
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_folded"}
        super().save(*args, **kwargs)

    def name_in(self, language: str) -> str:
        """The name a person reading `language` sees: the English name if there is one, else the Vietnamese."""
        return self.name_en if language == "en" and self.name_en else self.name
