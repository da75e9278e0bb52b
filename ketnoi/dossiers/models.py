"""Dossiers (hồ sơ TTHC): what a citizen filed, where, its state, its due date, and everything that happened to it.

Scoping: a dossier belongs to the unit of its receiving agency (`unit`, the one-stop centre that took it in), and
is also visible to officials of its competent agency (`competent_agency`), which may sit elsewhere since the 2025
reform (receipt regardless of administrative boundary). Selectors OR both (see selectors.dossier_scope_q).

Writes go through ketnoi.dossiers.services only.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ketnoi.core.actors import actor_display
from ketnoi.core.models import UUIDModel
from ketnoi.core.text import fold

from .states import CLOCK_STATES, FINAL_STATES, NATIONAL_CODE, State


class ApplicantType(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    ORGANISATION = "organisation", _("Organisation")


class SubmissionChannel(models.TextChoices):
    """KenhThucHien: 1 in person, 2 online, 3 public postal service."""

    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    POSTAL = "postal", _("By post")


CHANNEL_NATIONAL_CODE = {SubmissionChannel.IN_PERSON: 1, SubmissionChannel.ONLINE: 2, SubmissionChannel.POSTAL: 3}


class Dossier(UUIDModel):
    # Unique within the receiving unit (see the constraint): an integrating system that numbers its own dossiers
    # may not learn from a refusal that another unit uses a code (dossiers.services.intake.receipt_code_taken).
    receipt_code = models.CharField(max_length=64, help_text=_("Mã số hồ sơ, <agency>-YYMMDD-XXXX."))
    # The integrating system that owns this dossier (an API client's uuid) and its id there.
    external_system = models.CharField(max_length=40, blank=True)
    external_id = models.CharField(max_length=100, blank=True)

    applicant_type = models.CharField(max_length=20, choices=ApplicantType.choices, default=ApplicantType.CITIZEN)
    applicant_name = models.CharField(max_length=200)
    applicant_name_folded = models.CharField(max_length=200, editable=False, help_text="For search.")
    applicant_phone = models.CharField(max_length=16, blank=True, help_text="E.164.")
    applicant_id_encrypted = models.TextField(blank=True)
    applicant_id_hash = models.CharField(max_length=64, blank=True, help_text="Keyed hash, to search.")
    applicant_id_masked = models.CharField(max_length=20, blank=True)
    applicant_address = models.CharField(max_length=300, blank=True)
    applicant_email = models.EmailField(blank=True)
    language = models.CharField(max_length=8, default="vi", help_text=_("For notices by phone."))

    procedure = models.ForeignKey("procedures.Procedure", on_delete=models.PROTECT, related_name="dossiers")
    summary = models.CharField(max_length=1000, blank=True, help_text=_("Trích yếu: what is asked."))
    documents_received = models.JSONField(
        default=list, blank=True, help_text='Form 01: [{"name": ..., "copies": 1, "original": true}]'
    )
    # unit, receiving_agency, competent_agency and state are the first columns of the queue indexes below, which serve
    # lookups by them alone too: no index of their own (every index is written again when a status changes).
    unit = models.ForeignKey(
        "orgs.AdministrativeUnit", on_delete=models.PROTECT, related_name="dossiers", db_index=False
    )
    receiving_agency = models.ForeignKey(
        "orgs.Agency", on_delete=models.PROTECT, related_name="received_dossiers", db_index=False
    )
    desk = models.ForeignKey("orgs.Desk", null=True, blank=True, on_delete=models.PROTECT, related_name="dossiers")
    competent_agency = models.ForeignKey(
        "orgs.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="competent_dossiers",
        db_index=False,
    )
    channel = models.CharField(max_length=12, choices=SubmissionChannel.choices, default=SubmissionChannel.IN_PERSON)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    state = models.CharField(max_length=24, choices=State.choices, default=State.RECEIVED)
    state_changed_at = models.DateTimeField(default=timezone.now)
    last_event_at = models.DateTimeField(null=True, blank=True, help_text="Time of the latest applied event.")

    submitted_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    clock_started_at = models.DateTimeField(null=True, blank=True, help_text=_("Restarts when a supplement completes."))
    due_date = models.DateField(null=True, blank=True, help_text=_("Ngày hẹn trả, after any apology."))
    finished_at = models.DateTimeField(null=True, blank=True, help_text="End of processing (result or stop).")

    supplement_items = models.JSONField(default=list, blank=True, help_text="What is missing, one line each.")
    supplement_due_date = models.DateField(null=True, blank=True)
    supplement_requested_at = models.DateTimeField(null=True, blank=True)
    supplement_count = models.PositiveSmallIntegerField(default=0)

    apology_issued_at = models.DateTimeField(null=True, blank=True, help_text=_("Form 04; at most once."))
    apology_reason = models.TextField(blank=True)
    apology_previous_due_date = models.DateField(null=True, blank=True)
    apology_new_due_date = models.DateField(null=True, blank=True)

    result_ready_at = models.DateTimeField(null=True, blank=True)
    result_returned_at = models.DateTimeField(null=True, blank=True)
    collection_place = models.CharField(max_length=300, blank=True)
    collection_note = models.CharField(max_length=500, blank=True, help_text=_("What to bring, opening hours."))
    result_file = models.FileField(upload_to="dossiers/results/%Y/%m/", blank=True)

    postal_address = models.CharField(max_length=300, blank=True)
    postal_fee = models.PositiveIntegerField(null=True, blank=True, help_text=_("In đồng, as shown to the citizen."))
    postal_registered_at = models.DateTimeField(null=True, blank=True)
    postal_tracking = models.CharField(max_length=40, blank=True)

    authorized_name = models.CharField(max_length=200, blank=True)
    authorized_id_encrypted = models.TextField(blank=True)
    authorized_id_masked = models.CharField(max_length=20, blank=True)
    authorized_phone = models.CharField(max_length=16, blank=True, help_text="E.164.")
    authorized_registered_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_system", "external_id"],
                condition=~Q(external_id=""),
                name="dossier_external_id_unique_per_system",
            ),
            models.UniqueConstraint(fields=["unit", "receipt_code"], name="dossier_receipt_code_unique_in_unit"),
        ]
        indexes = [
            models.Index(fields=["unit", "state", "due_date"], name="dossier_unit_queue"),
            models.Index(fields=["competent_agency", "state", "due_date"], name="dossier_competent_queue"),
            models.Index(fields=["receiving_agency", "state", "due_date"], name="dossier_receiving_queue"),
            models.Index(fields=["state", "due_date"], name="dossier_state_due"),
            models.Index(fields=["updated_at"], name="dossier_updated"),  # the reports' change detection
            # Plain B-trees (db_index=True would add a LIKE-pattern twin that no query uses).
            models.Index(fields=["receipt_code"], name="dossier_receipt_code"),
            models.Index(fields=["applicant_phone"], name="dossier_applicant_phone"),
            models.Index(fields=["applicant_name_folded"], name="dossier_applicant_name"),
            models.Index(fields=["applicant_id_hash"], name="dossier_applicant_id_hash"),
        ]

    def __str__(self) -> str:
        return self.receipt_code

    def save(self, *args, **kwargs):
        self.applicant_name_folded = fold(self.applicant_name)[:200]
        if kwargs.get("update_fields") is not None and "applicant_name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "applicant_name_folded"}
        super().save(*args, **kwargs)

    @property
    def national_code(self) -> int:
        return NATIONAL_CODE[self.state]

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    def is_overdue_on(self, today: dt.date) -> bool:
        """Derived, never stored: the clock runs and the due date has passed, or processing ended after it."""
        if self.due_date is None:
            return False
        if self.state in CLOCK_STATES:
            return self.due_date < today
        if self.finished_at is not None:
            return timezone.localdate(self.finished_at) > self.due_date
        return False

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())


class AliasKind(models.TextChoices):
    UPSTREAM = "upstream", _("Code in the one-stop system")
    OTHER_CODE = "other_code", _("Other code (MaHoSoKhac)")
    NATIONAL = "national", _("National portal id")


class DossierAlias(models.Model):
    """Other codes of the same dossier (the upstream MaHoSoKhac, a national portal id), looked up like the code."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="aliases")
    code = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=AliasKind.choices, default=AliasKind.OTHER_CODE)

    def __str__(self) -> str:
        return self.code


class DailySequence(models.Model):
    """The receipt-code counter of one receiving agency for one local day, incremented under a row lock."""

    agency = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="daily_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day} #{self.last}"


class EventSource(models.TextChoices):
    DESK = "desk", _("Desk")
    CONSOLE = "console", _("Console")
    API = "api", _("Integration API")
    CITIZEN = "citizen", _("Citizen")
    SYSTEM = "system", _("System")


class EventKind(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("dossier event", "Received")
    TRANSITION = "transition", _("Status changed")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    SUPPLEMENT_RECEIVED = "supplement_received", _("Supplement received")
    APOLOGY = "apology", _("Apology and new date")
    RESULT_READY = "result_ready", _("Result ready")
    RESULT_RETURNED = "result_returned", _("Result returned")
    POSTAL = "postal", _("Postal delivery registered")
    AUTHORIZATION = "authorization", _("Collector authorized")
    ATTACHMENT = "attachment", _("Document attached")
    ATTACHMENT_REVIEWED = "attachment_reviewed", _("Document reviewed")
    RATING = "rating", _("Rated")
    LINKED = "linked", _("Citizen linked")
    API_STATUS = "api_status", _("Status from the one-stop system")


class EventOutcome(models.TextChoices):
    APPLIED = "applied", _("Applied")
    STALE = "stale", _("Older than the latest applied event: recorded, not applied")
    UNCHANGED = "unchanged", _("Same status: recorded")


class DossierEvent(models.Model):
    """The append-only history of a dossier. API events carry the upstream event id (idempotency) and time."""

    # dossier: the first column of dossier_event_timeline; actor: mostly empty, indexed only where set (below)
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    from_state = models.CharField(max_length=24, blank=True, choices=State.choices)
    to_state = models.CharField(max_length=24, blank=True, choices=State.choices)
    national_code = models.PositiveSmallIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    actor_label = models.CharField(max_length=150, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now, help_text="When it happened (the upstream event time).")
    recorded_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=12, choices=EventSource.choices, default=EventSource.CONSOLE)
    outcome = models.CharField(max_length=12, choices=EventOutcome.choices, default=EventOutcome.APPLIED)
    external_system = models.CharField(max_length=40, blank=True)
    external_event_id = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_system", "external_event_id"],
                condition=~Q(external_event_id=""),
                name="dossier_event_id_unique_per_system",
            )
        ]
        indexes = [
            models.Index(fields=["dossier", "occurred_at"], name="dossier_event_timeline"),
            models.Index(fields=["recorded_at"], name="dossier_event_recorded"),  # the reports' change detection
            models.Index(fields=["occurred_at"], name="dossier_event_occurred"),  # the reports' daily figures
            models.Index(fields=["actor"], name="dossier_event_actor", condition=Q(actor__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.kind} {self.from_state}->{self.to_state}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Dossier history is append-only.")
        super().save(*args, **kwargs)

    @property
    def actor_display(self) -> str:
        return actor_display(self.actor_label)


class NotificationKind(models.TextChoices):
    RECEIVED = "received", _("Dossier received")
    STATUS_CHANGED = "status_changed", _("Status changed")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    RESULT_READY = "result_ready", _("Result ready")
    APOLOGY = "apology", _("Apology and new date")
    RETURNED = "returned", _("Result returned")
    LINKED = "linked", _("Citizen linked to the dossier")


class NotificationTemplate(models.Model):
    """A unit's own wording of one citizen notice in one language; defaults live in notifications.DEFAULTS."""

    unit = models.ForeignKey("orgs.AdministrativeUnit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    text = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind", "language"], name="notification_template_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.kind} · {self.language}"


class LinkMethod(models.TextChoices):
    QR_FOLLOW = "qr_follow", _("Followed the OA from the receipt QR")
    QR_MESSAGE = "qr_message", _("Sent the receipt link in chat")
    CODE = "code", _("Typed the code and phone digits")
    VERIFIED_PHONE = "verified_phone", _("Verified phone number")
    SHARED_PHONE = "shared_phone", _("Phone shared with the OA matches the dossier")
    DESK = "desk", _("Linked at the desk")


class DossierLink(models.Model):
    """A citizen's channel identity (or contact) that receives this dossier's notices."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="links")
    contact = models.ForeignKey("contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    channel_contact = models.ForeignKey(
        "contacts.ChannelContact", null=True, blank=True, on_delete=models.CASCADE, related_name="dossier_links"
    )
    method = models.CharField(max_length=20, choices=LinkMethod.choices)
    linked_at = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "channel_contact"],
                condition=Q(channel_contact__isnull=False),
                name="dossier_link_channel_contact_unique",
            ),
            models.UniqueConstraint(
                fields=["dossier", "contact"], condition=Q(contact__isnull=False), name="dossier_link_contact_unique"
            ),
            models.CheckConstraint(
                condition=Q(contact__isnull=False) | Q(channel_contact__isnull=False), name="dossier_link_has_target"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} ↔ {self.channel_contact_id or self.contact_id} ({self.method})"


class LinkAttempt(models.Model):
    """One try at linking by code + phone digits, kept to rate-limit guessing."""

    key = models.CharField(max_length=80, db_index=True, help_text="Who tried: contact or channel contact.")
    attempted_at = models.DateTimeField(default=timezone.now)
    succeeded = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.key} {self.attempted_at:%Y-%m-%d %H:%M} {'ok' if self.succeeded else 'failed'}"


class AttachmentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class DossierAttachment(UUIDModel):
    """A supplementary document the citizen sent (photo, PDF), accepted or rejected by an officer."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="dossiers/supplements/%Y/%m/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=12, choices=EventSource.choices, default=EventSource.CITIZEN)
    status = models.CharField(max_length=10, choices=AttachmentStatus.choices, default=AttachmentStatus.PENDING)
    uploaded_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        """'PDF', 'PNG', 'JPEG': what the file's bytes are (checked at upload, core.uploads)."""
        return self.content_type.rsplit("/", 1)[-1].upper() if self.content_type else ""


class RatingMethod(models.TextChoices):
    CIRCULAR_01 = "circular_01", _("Nine indicators of Circular 01/2018 (0/1/2 each)")
    QUICK = "quick", _("Quick rating 1-5")


class DossierRating(models.Model):
    """The citizen's rating after return, per dossier and officer."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="ratings")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    method = models.CharField(max_length=12, choices=RatingMethod.choices)
    indicators = models.JSONField(default=dict, blank=True, help_text='{"1": 2, ..., "9": 1}')
    stars = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    source = models.CharField(max_length=12, choices=EventSource.choices, default=EventSource.CITIZEN)
    rated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-rated_at"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.method} {self.stars or self.total}"

    @property
    def total(self) -> int | None:
        return sum(self.indicators.values()) if self.indicators else None


class ApologyPrompt(models.Model):
    """The console's prompt to issue the apology slip (Form 04): made by the daily job for each dossier that is one
    working day from its due date (or late) with no apology yet; gone from the list once handled or dismissed."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="apology_prompts")
    due_date = models.DateField(help_text="The due date the prompt is about; a new date means a new prompt.")
    created_at = models.DateTimeField(default=timezone.now)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [models.UniqueConstraint(fields=["dossier", "due_date"], name="apology_prompt_unique")]

    def __str__(self) -> str:
        return f"{self.dossier} due {self.due_date}"
