"""Documents to process (văn bản cần xử lý): what the province's document-management system assigned to officials,
pushed through the integration API, told to each official on the internal channel, reminded once before the
deadline. ketnoi keeps the facts it needs to tell and remind; the document itself stays in that system (`link`)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketnoi.core.models import UUIDModel
from ketnoi.orgs.models import AdministrativeUnit


class Document(UUIDModel):
    unit = models.ForeignKey(
        AdministrativeUnit, on_delete=models.PROTECT, related_name="+", help_text=_("The sending system's unit.")
    )
    external_system = models.CharField(max_length=64, help_text="The API client that sent it.")
    external_id = models.CharField(max_length=100, help_text="The document's id in that system.")
    number = models.CharField(_("number"), max_length=60, help_text=_("Số, ký hiệu: e.g. 125/UBND-VP."))
    title = models.CharField(_("title"), max_length=500, help_text=_("Trích yếu."))
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    link = models.URLField(_("link"), max_length=500, help_text=_("Where the document opens in its system."))
    is_done = models.BooleanField(default=False, help_text=_("The system says it is processed."))
    received_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["external_system", "external_id"], name="document_external_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title[:60]}"


class AssignmentState(models.TextChoices):
    OPEN = "open", _("To process")
    DONE = "done", _("Processed")
    WITHDRAWN = "withdrawn", _("No longer assigned")


class Assignment(models.Model):
    """One official's share of a document: told once when assigned, reminded once before the deadline."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="assignments")
    official = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="documents")
    state = models.CharField(max_length=10, choices=AssignmentState.choices, default=AssignmentState.OPEN)
    assigned_at = models.DateTimeField(default=timezone.now)
    reminded_for = models.DateField(
        null=True, blank=True, help_text="The deadline the reminder was sent for (a new deadline is reminded again)."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["document", "official"], name="assignment_unique")]
        indexes = [models.Index(fields=["official", "state"]), models.Index(fields=["state", "reminded_for"])]

    def __str__(self) -> str:
        return f"{self.document} → {self.official}"
