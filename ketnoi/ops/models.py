"""What operations record: each retention run and what it removed, and each citizen's data request (an export or
an erasure by phone or ID number). Both are the targets of audit rows."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from ketnoi.core.models import UUIDModel


class RetentionRun(UUIDModel):
    """One run of the retention job (ops.prune_retained): the cut-off of each kind and how many rows went."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    cutoffs = models.JSONField(default=dict, help_text="Kind -> ISO date-time: older rows were removed.")
    removed = models.JSONField(default=dict, help_text="Kind -> rows removed.")

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"retention {self.started_at:%Y-%m-%d %H:%M}: {sum(self.removed.values())} rows"


class DataRequest(UUIDModel):
    """A citizen's request about their personal data, carried out by an administrator (console or command)."""

    class Kind(models.TextChoices):
        EXPORT = "export", pgettext_lazy("data request", "Export")
        ERASURE = "erasure", pgettext_lazy("data request", "Erasure")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    subject = models.CharField(max_length=40, help_text="The phone or ID number asked about, masked.")
    reason = models.CharField(max_length=255, blank=True, help_text="The citizen's request: its reference, how made.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    counts = models.JSONField(default=dict, help_text="Kind of record -> rows found (export) or erased.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}"
