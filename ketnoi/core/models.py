"""Cross-cutting records: the audit log. Tenant scoping uses the unit's materialised path, so core needs no FK to orgs."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UUIDModel(models.Model):
    """Public identity is a UUID: URLs never reveal row counts or let anyone walk ids."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """One write made through a service: who, what, when, and the values before and after. Append-only."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True, help_text="Username, or 'system' for jobs.")
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=255, blank=True)
    unit_path = models.CharField(max_length=255, db_index=True, help_text="Path of the unit owning the target.")
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_label}"

    @property
    def actor_display(self) -> str:
        from .actors import actor_display

        return actor_display(self.actor_label)

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        keys = sorted(set(self.before) | set(self.after))
        return [(k, self.before.get(k), self.after.get(k)) for k in keys if self.before.get(k) != self.after.get(k)]


class CalendarDayKind(models.TextChoices):
    PUBLIC_HOLIDAY = "public_holiday", _("Public holiday")
    DAY_OFF = "day_off", _("Official day off")
    WORKING_DAY = "working_day", _("Working day (swapped)")


class CalendarDay(models.Model):
    """An exception to the Monday-Friday week: a holiday or official day off, or a weekend day made a working day.

    Rows come from the `holidays` package (seeded per year, created_by empty) and from administrators, who record
    the official letter that decided the day. Deadlines are computed from this table (ketnoi.core.workdays).
    """

    date = models.DateField(unique=True)
    kind = models.CharField(max_length=20, choices=CalendarDayKind.choices)
    name = models.CharField(max_length=200)
    source_document = models.CharField(max_length=300, blank=True, help_text="The official letter or law.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"

    @property
    def is_working(self) -> bool:
        return self.kind == CalendarDayKind.WORKING_DAY
