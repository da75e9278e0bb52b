"""The officials' inbox: conversations handed from the chat to a unit's team, what happens to them, and the
team's settings (who is on duty, canned replies, response targets within business hours).

The messages themselves stay where they are stored: the citizen's in contacts.InboundMessage, the officials'
replies in outbox.OutboundMessage. A HandoffEntry points at them so one hand-off's thread reads in order.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketnoi.channels.models import Channel
from ketnoi.contacts.models import ChannelContact, InboundMessage
from ketnoi.core.models import UUIDModel
from ketnoi.orgs.models import AdministrativeUnit
from ketnoi.outbox.models import OutboundMessage

from .states import ACTIVE_STATES, HandoffState


class Handoff(UUIDModel):
    """One conversation given to a person: from the bot's hand-off (or the citizen's "talk to an official") until
    an official closes it. At most one active hand-off per channel contact (a database constraint)."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="handoffs")
    channel_contact = models.ForeignKey(ChannelContact, on_delete=models.PROTECT, related_name="handoffs")
    unit = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        related_name="handoffs",
        help_text="The team that answers: the channel's unit, or the unit it was passed to (inbox/teams.py).",
    )
    state = models.CharField(max_length=20, choices=HandoffState.choices, default=HandoffState.OPEN)
    reason = models.CharField(max_length=255, blank=True, help_text="Why the bot handed over, or the citizen's words.")
    requested_by_citizen = models.BooleanField(default=False)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="handoffs"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(default=timezone.now, help_text="Opened, or reopened last.")
    first_opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    returned_to_bot = models.BooleanField(default=False, help_text="Closed and the chat given back to the assistant.")
    reopened_count = models.PositiveIntegerField(default=0)
    last_citizen_message_at = models.DateTimeField(null=True, blank=True)
    last_reply_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True, help_text="First reply since (re)opening.")
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel_contact"],
                condition=Q(state__in=sorted(ACTIVE_STATES)),
                name="handoff_one_active_per_contact",
            )
        ]
        indexes = [
            models.Index(fields=["unit", "state"]),
            models.Index(fields=["channel_contact", "closed_at"]),
            models.Index(fields=["assigned_to", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel_contact} → {self.unit}"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    def first_response_overdue(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        due = self.first_response_due_at
        return bool(due and self.first_response_at is None and self.is_active and now > due)

    def resolution_overdue(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        due = self.resolution_due_at
        return bool(due and self.is_active and now > due)


class EntryKind(models.TextChoices):
    OPENED = "opened", _("Handed to the officials")
    TRANSITION = "transition", _("State changed")
    ASSIGNED = "assigned", _("Assigned")
    CITIZEN_MESSAGE = "citizen_message", _("Citizen wrote")
    REPLY = "reply", _("Official replied")
    NOTE = "note", _("Internal note")
    TRANSFERRED = "transferred", _("Passed to another unit")


class HandoffEntry(models.Model):
    """Append-only history of one hand-off: its transitions, assignments, the messages both ways and the notes.
    Rows are never updated or deleted; the live thread polls for entries after the last id it showed."""

    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    text = models.TextField(blank=True, help_text="A note, a reply's text, a reason.")
    inbound_message = models.ForeignKey(
        InboundMessage, null=True, blank=True, on_delete=models.PROTECT, related_name="handoff_entries"
    )
    outbound_message = models.ForeignKey(
        OutboundMessage, null=True, blank=True, on_delete=models.PROTECT, related_name="handoff_entries"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["handoff", "id"]),
            # the conversation report: a period's hand-overs (opened, transferred) by time
            models.Index(fields=["kind", "at"], name="handoff_entry_kind_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.handoff_id}"


class DutyStatus(models.Model):
    """An official on duty (or not) for a unit's inbox: round-robin assigns only to officials on duty, the one
    assigned longest ago first."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_duties")
    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="inbox_duties")
    on_duty = models.BooleanField(default=False)
    changed_at = models.DateTimeField(default=timezone.now)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="inbox_duty_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit}: {'on' if self.on_duty else 'off'}"


class CannedReply(UUIDModel):
    """A ready answer a unit's officials insert into a reply (Chatwoot's canned responses, RapidPro's shortcuts)."""

    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="canned_replies")
    title = models.CharField(max_length=80)
    text = models.TextField()
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "title"], name="canned_reply_title_unique")]

    def __str__(self) -> str:
        return self.title


class ServicePolicy(models.Model):
    """A unit's response targets, counted in business time (working days of core.workdays, between day_start and
    day_end). A unit without its own policy uses its nearest ancestor's, else the defaults in inbox/conf.py."""

    unit = models.OneToOneField(AdministrativeUnit, on_delete=models.PROTECT, related_name="inbox_policy")
    first_response_minutes = models.PositiveIntegerField(help_text="Business minutes to the first reply.")
    resolution_minutes = models.PositiveIntegerField(help_text="Business minutes to closing.")
    day_start = models.TimeField()
    day_end = models.TimeField()
    reopen_hours = models.PositiveIntegerField(
        help_text="A closed hand-off (not returned to the bot) reopens if the citizen writes within this time."
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "service policies"

    def __str__(self) -> str:
        return f"policy of {self.unit}"
