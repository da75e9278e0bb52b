"""Public registries: lists an authority publishes so anyone can check an establishment, e.g. the food-safety
certified establishments of a province. One generic table; `kind` says which registry a row belongs to.

An entry belongs to the commune where the establishment sits (scoping); the certificate is issued by an agency
that may not be in ketnoi (a department, a national body), so the issuer is kept as text.
Writes go through ketnoi.registries.services only.
"""

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketnoi.core.models import UUIDModel
from ketnoi.core.text import fold


class RegistryKind(models.TextChoices):
    FOOD_SAFETY = "food_safety", _("Food-safety certified establishments")
    OTHER = "other", _("Other registry")


class EntryStatus(models.TextChoices):
    ACTIVE = "active", _("In force")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


class Validity(models.TextChoices):
    """What a citizen is told: derived from status and dates, never stored."""

    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    NOT_YET = "not_yet", _("Not yet in force")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


class RegistryEntry(UUIDModel):
    kind = models.CharField(max_length=20, choices=RegistryKind.choices, default=RegistryKind.FOOD_SAFETY)
    name = models.CharField(max_length=300)
    address = models.CharField(max_length=300, blank=True)
    search_folded = models.CharField(
        max_length=700, editable=False, db_index=True, help_text="Folded name and address, for search."
    )
    unit = models.ForeignKey("orgs.AdministrativeUnit", on_delete=models.PROTECT, related_name="registry_entries")
    certificate_number = models.CharField(max_length=60)
    issuing_agency = models.CharField(max_length=200, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True, help_text=_("Last day of validity; empty: no end."))
    status = models.CharField(max_length=12, choices=EntryStatus.choices, default=EntryStatus.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "registry entries"
        constraints = [
            models.UniqueConstraint(fields=["kind", "certificate_number"], name="registry_certificate_unique")
        ]
        indexes = [models.Index(fields=["kind", "unit"], name="registry_kind_unit")]

    def __str__(self) -> str:
        return f"{self.name} ({self.certificate_number})"

    def save(self, *args, **kwargs):
        self.search_folded = fold(f"{self.name} | {self.address}")[:700]
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_folded"}
        super().save(*args, **kwargs)

    def validity_on(self, today: dt.date) -> str:
        if self.status == EntryStatus.SUSPENDED:
            return Validity.SUSPENDED
        if self.status == EntryStatus.REVOKED:
            return Validity.REVOKED
        if self.valid_from and self.valid_from > today:
            return Validity.NOT_YET
        if self.valid_to and self.valid_to < today:
            return Validity.EXPIRED
        return Validity.VALID

    @property
    def validity(self) -> str:
        return self.validity_on(timezone.localdate())

    @property
    def validity_label(self) -> str:
        return Validity(self.validity).label

    @property
    def is_valid(self) -> bool:
        return self.validity == Validity.VALID
