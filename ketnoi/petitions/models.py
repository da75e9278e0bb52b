"""Petitions and feedback (phản ánh, kiến nghị, PAKN) from citizens and businesses, and the business policy feed.

A petition belongs to its owner agency (`owner_agency`, the competent agency after routing or forwarding) and to
that agency's unit (`unit`, for scoping). Every timestamp and deadline the indicators need is stored on the row:
received, forwarded, acknowledged (accepted or refused: the citizen was told), answered (the approved answer was
sent), published; the due dates of each stage (working days from ketnoi.core.workdays); the rating and the
number of reopenings. Overdue is derived from the due dates, never stored.

Writes go through ketnoi.petitions.services only.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketnoi.core.actors import actor_display
from ketnoi.core.models import UUIDModel
from ketnoi.core.text import fold

from .states import ANSWER_CLOCK_STATES, DECISION_STATES, State

# National targets (vn-one-stop-rules.md §0.6): forward ≤ 5, acknowledge ≤ 10, answer ≤ 15, publish ≤ 2 working days.
DEFAULT_DAYS = {"forward": 5, "acknowledge": 10, "answer": 15, "publish": 2}


class Audience(models.TextChoices):
    CITIZEN = "citizen", _("Citizens")
    BUSINESS = "business", _("Businesses")
    BOTH = "both", _("Citizens and businesses")


class PetitionCategory(UUIDModel):
    """What a petition is about, configured per province (or any unit); deadlines may differ from the defaults."""

    unit = models.ForeignKey("orgs.AdministrativeUnit", on_delete=models.PROTECT, related_name="petition_categories")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=150)
    name_en = models.CharField(max_length=150, blank=True)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.BOTH)
    forward_days = models.PositiveSmallIntegerField(default=DEFAULT_DAYS["forward"])
    acknowledge_days = models.PositiveSmallIntegerField(default=DEFAULT_DAYS["acknowledge"])
    answer_days = models.PositiveSmallIntegerField(default=DEFAULT_DAYS["answer"])
    publish_days = models.PositiveSmallIntegerField(default=DEFAULT_DAYS["publish"])
    open311_code = models.CharField(max_length=40, blank=True, help_text="service_code in Open311; the code if empty.")
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "code"], name="petition_category_code_unique")]

    def __str__(self) -> str:
        return self.name

    def days(self, stage: str) -> int:
        return getattr(self, f"{stage}_days")

    @property
    def service_code(self) -> str:
        return self.open311_code or self.code


class RoutingRule(models.Model):
    """Category and area → competent agency. The most specific matching rule wins (see routing.py)."""

    unit = models.ForeignKey(
        "orgs.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", help_text="Who owns the rule."
    )
    category = models.ForeignKey(
        PetitionCategory, null=True, blank=True, on_delete=models.CASCADE, related_name="routing_rules"
    )
    area = models.ForeignKey(
        "orgs.AdministrativeUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The rule applies to this unit and everything below it; empty: anywhere."),
    )
    agency = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="petition_routing_rules")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.category or '*'} + {self.area or '*'} → {self.agency}"


class PetitionerType(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    BUSINESS = "business", _("Business")


class Source(models.TextChoices):
    WEB = "web", _("Web portal")
    CHAT = "chat", _("Chat")
    API = "api", _("Integration API")
    OPEN311 = "open311", _("Open311")
    DESK = "desk", _("Desk")


class Petition(UUIDModel):
    tracking_code = models.CharField(max_length=24, unique=True, help_text=_("Given to the petitioner."))
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    external_system = models.CharField(max_length=40, blank=True)
    external_id = models.CharField(max_length=100, blank=True)

    petitioner_type = models.CharField(max_length=10, choices=PetitionerType.choices, default=PetitionerType.CITIZEN)
    petitioner_name = models.CharField(max_length=200)
    petitioner_name_folded = models.CharField(max_length=200, editable=False, db_index=True)
    petitioner_phone = models.CharField(max_length=16, blank=True, db_index=True, help_text="E.164.")
    petitioner_email = models.EmailField(blank=True)
    petitioner_address = models.CharField(max_length=300, blank=True)
    business_name = models.CharField(max_length=200, blank=True)
    tax_code = models.CharField(max_length=14, blank=True, db_index=True, help_text=_("Mã số thuế, validated."))
    language = models.CharField(max_length=8, default="vi")
    # The chat identity it came from: the answer goes back there.
    channel = models.ForeignKey("channels.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    channel_contact = models.ForeignKey(
        "contacts.ChannelContact", null=True, blank=True, on_delete=models.SET_NULL, related_name="petitions"
    )

    category = models.ForeignKey(PetitionCategory, on_delete=models.PROTECT, related_name="petitions")
    subject = models.CharField(max_length=200)
    text = models.TextField()
    text_folded = models.TextField(editable=False, blank=True)
    location_text = models.CharField(max_length=300, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    area = models.ForeignKey(
        "orgs.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", help_text=_("Where it is about.")
    )
    consent_to_publish = models.BooleanField(default=True, help_text=_("The petitioner allows anonymised publication."))

    unit = models.ForeignKey("orgs.AdministrativeUnit", on_delete=models.PROTECT, related_name="petitions")
    owner_agency = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="petitions")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_petitions"
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )

    state = models.CharField(max_length=20, choices=State.choices, default=State.RECEIVED, db_index=True)
    state_changed_at = models.DateTimeField(default=timezone.now)

    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    forwarded_at = models.DateTimeField(null=True, blank=True, help_text="Latest forward.")
    forward_count = models.PositiveSmallIntegerField(default=0)
    acknowledged_at = models.DateTimeField(null=True, blank=True, help_text="Accepted or refused: citizen told.")
    answered_at = models.DateTimeField(null=True, blank=True, help_text="The approved answer was sent (latest).")
    first_answered_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)

    forward_due = models.DateField(null=True, blank=True)
    acknowledge_due = models.DateField(null=True, blank=True)
    answer_due = models.DateField(null=True, blank=True)
    publish_due = models.DateField(null=True, blank=True, help_text="Set when an answer is approved for publication.")
    reopen_until = models.DateField(null=True, blank=True)
    # Each reopening starts a new cycle; deadline alerts are unique per (petition, kind, cycle).
    cycle = models.PositiveSmallIntegerField(default=0)
    reopen_count = models.PositiveSmallIntegerField(default=0)

    rating = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1 (very unsatisfied) to 5.")
    rating_comment = models.TextField(blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    # What the public page shows: written at publication with personal data removed, never the raw fields.
    public_subject = models.CharField(max_length=200, blank=True)
    public_text = models.TextField(blank=True)
    public_answer = models.TextField(blank=True)
    public_folded = models.TextField(blank=True, editable=False)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_system", "external_id"],
                condition=~Q(external_id=""),
                name="petition_external_id_unique_per_system",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="petition_rating_1_5"
            ),
        ]
        indexes = [
            models.Index(fields=["owner_agency", "state", "answer_due"], name="petition_agency_queue"),
            models.Index(fields=["unit", "state", "answer_due"], name="petition_unit_queue"),
            models.Index(fields=["state", "answer_due"], name="petition_state_due"),
            models.Index(fields=["published_at"], name="petition_published"),
            models.Index(fields=["updated_at"], name="petition_updated"),  # the reports' change detection
        ]

    def __str__(self) -> str:
        return self.tracking_code

    def save(self, *args, **kwargs):
        self.petitioner_name_folded = fold(self.petitioner_name)[:200]
        self.text_folded = fold(f"{self.subject} {self.text}")
        self.public_folded = fold(f"{self.public_subject} {self.public_text} {self.public_answer}")
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "petitioner_name_folded",
                "text_folded",
                "public_folded",
                "updated_at",
            }
        super().save(*args, **kwargs)

    @property
    def is_business(self) -> bool:
        return self.petitioner_type == PetitionerType.BUSINESS

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def overdue_stage_names_on(self, today: dt.date) -> list[str]:
        from .deadlines import STAGE_NAMES

        return [str(STAGE_NAMES[stage]) for stage in self.overdue_stages_on(today)]

    def overdue_stages_on(self, today: dt.date) -> list[str]:
        """Stages whose deadline has passed while the stage is not done (derived, never stored)."""
        stages = []
        if self.state in DECISION_STATES:
            if self.forward_due and self.forward_due < today and self.forward_count == 0:
                stages.append("forward")
            if self.acknowledge_due and self.acknowledge_due < today:
                stages.append("acknowledge")
        if self.state in ANSWER_CLOCK_STATES and self.answer_due and self.answer_due < today:
            stages.append("answer")
        if self.publish_due and self.published_at is None and self.publish_due < today and self.state != State.REFUSED:
            stages.append("publish")
        return stages

    @property
    def is_overdue(self) -> bool:
        return bool(self.overdue_stages_on(timezone.localdate()))

    @property
    def answered_on_time(self) -> bool | None:
        if self.first_answered_at is None or self.answer_due is None:
            return None
        return timezone.localdate(self.first_answered_at) <= self.answer_due


class PetitionAttachment(UUIDModel):
    """A photo or document: uploaded on the portal (file) or sent in the chat (the provider's URL)."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="petitions/%Y/%m/", blank=True)
    url = models.URLField(max_length=1000, blank=True)
    name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name or self.url


class AnswerStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for approval")
    APPROVED = "approved", _("Approved and sent")
    RETURNED = "returned", _("Returned for changes")


class PetitionAnswer(UUIDModel):
    """An officer's answer; a leader who did not draft it approves it (four eyes) before it goes to the citizen."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="answers")
    cycle = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()
    status = models.CharField(max_length=10, choices=AnswerStatus.choices, default=AnswerStatus.DRAFT)
    publish = models.BooleanField(default=False, help_text=_("Publish the anonymised petition and answer."))
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-drafted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.petition_id} answer {self.status}"


class EventKind(models.TextChoices):
    RECEIVED = "received", _("Petition received")
    ROUTED = "routed", _("Routed")
    ACCEPTED = "accepted", _("Accepted for handling")
    FORWARDED = "forwarded", _("Forwarded")
    REFUSED = "refused", _("Refused")
    ASSIGNED = "assigned", _("Assigned")
    MERGED = "merged", _("Merged into another petition")
    ANSWER_SUBMITTED = "answer_submitted", _("Answer submitted for approval")
    ANSWER_RETURNED = "answer_returned", _("Answer returned for changes")
    ANSWERED = "answered", _("Answer approved and sent")
    PUBLISHED = "published", _("Published")
    RATED = "rated", _("Rated")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    REMINDER = "reminder", _("Deadline reminder")
    ESCALATION = "escalation", _("Escalated")


class PetitionEvent(models.Model):
    """The append-only history of a petition."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    from_state = models.CharField(max_length=20, blank=True, choices=State.choices)
    to_state = models.CharField(max_length=20, blank=True, choices=State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["petition", "occurred_at"], name="petition_event_timeline"),
            models.Index(fields=["occurred_at"], name="petition_event_occurred"),  # the reports' change detection
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.kind} {self.from_state}->{self.to_state}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Petition history is append-only.")
        super().save(*args, **kwargs)

    @property
    def actor_display(self) -> str:
        return actor_display(self.actor_label)


class AlertKind(models.TextChoices):
    FORWARD_REMINDER = "forward_reminder", _("Forwarding deadline approaching")
    ACKNOWLEDGE_REMINDER = "acknowledge_reminder", _("Acknowledgement deadline approaching")
    ANSWER_REMINDER = "answer_reminder", _("Answer deadline approaching")
    PUBLISH_REMINDER = "publish_reminder", _("Publication deadline approaching")
    FORWARD_ESCALATION = "forward_escalation", _("Forwarding overdue")
    ACKNOWLEDGE_ESCALATION = "acknowledge_escalation", _("Acknowledgement overdue")
    ANSWER_ESCALATION = "answer_escalation", _("Answer overdue")
    PUBLISH_ESCALATION = "publish_escalation", _("Publication overdue")


class DeadlineAlert(models.Model):
    """A reminder or escalation that fired: one row per (petition, kind, cycle), so each fires once."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=24, choices=AlertKind.choices)
    cycle = models.PositiveSmallIntegerField(default=0)
    due_date = models.DateField()
    fired_at = models.DateTimeField(default=timezone.now)
    recipients = models.JSONField(default=list, blank=True, help_text="Usernames told.")

    class Meta:
        ordering = ["-fired_at"]
        constraints = [models.UniqueConstraint(fields=["petition", "kind", "cycle"], name="deadline_alert_once")]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.kind} #{self.cycle}"


class BusinessPolicy(UUIDModel):
    """An item of the policy feed for businesses, written by the communications editor."""

    unit = models.ForeignKey("orgs.AdministrativeUnit", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    link = models.URLField(max_length=500, blank=True)
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-created_at"]

    def __str__(self) -> str:
        return self.title
