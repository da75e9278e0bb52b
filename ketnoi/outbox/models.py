"""The outbox: every outbound message is a row, written in the same transaction as the change that caused it.

Dispatchers claim queued rows (lane first, then due time), send them through the channel type and record what
happened. A row is the single source of truth for one logical message; its idempotency key is what keeps a
crash or a retry from producing a second copy at the provider.
"""

from django.db import models
from django.db.models import Case, CharField, Q, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketnoi.channels.models import Channel
from ketnoi.contacts.models import ChannelContact
from ketnoi.core.models import UUIDModel


class Lane(models.IntegerChoices):
    """Lower runs first: ORDER BY lane puts emergencies ahead of replies, and replies ahead of broadcasts."""

    EMERGENCY = 0, _("Emergency")
    TRANSACTIONAL = 1, _("Transactional")
    BULK = 2, _("Bulk")


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    SEEN = "seen", _("Seen")
    FAILED = "failed", _("Failed")
    UNREACHABLE = "unreachable", _("Unreachable")
    CANCELLED = "cancelled", _("Cancelled")


FINAL_STATUSES = (Status.SENT, Status.DELIVERED, Status.SEEN, Status.FAILED, Status.UNREACHABLE, Status.CANCELLED)
DEAD_STATUSES = (Status.FAILED, Status.UNREACHABLE)
UNFINISHED_STATUSES = (Status.QUEUED, Status.SENDING)


def order_key() -> models.Expression:
    """One person's line in one lane: their messages in that lane go out in the order they were written.

    The person is the channel identity (ChannelContact) when the row has one, else the user id on the channel, else
    the phone number (templates by phone and SMS, fallback steps included). Lanes do not wait for each other: a reply
    never waits behind a broadcast. Indexed as an expression (outbox_line), so no column has to be filled in.
    """
    person = Case(
        When(channel_contact__isnull=False, then=Concat(Value("c"), Cast("channel_contact_id", CharField()))),
        When(
            ~Q(recipient_user_id=""),
            then=Concat(Value("u"), Cast("channel_id", CharField()), Value(":"), "recipient_user_id"),
        ),
        default=Concat(Value("p"), "recipient_phone"),
        output_field=CharField(),
    )
    return Concat(Cast("lane", CharField()), Value(":"), person, output_field=CharField())


class FallbackStep(models.TextChoices):
    ORIGINAL = "", _("Original message")
    TEMPLATE = "template", _("Template message by phone")
    SMS = "sms", _("SMS")


class OutboundMessage(UUIDModel):
    # No index of its own: outbox_channel_status and outbox_provider_id both start with the channel (one index
    # fewer to write for every row a broadcast's fan-out inserts and every status change).
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="outbound_messages", db_index=False)
    channel_contact = models.ForeignKey(
        ChannelContact, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound_messages"
    )
    # What the recipient looked like when the message was written; the provider is addressed with these.
    recipient_user_id = models.CharField(max_length=64, blank=True)
    recipient_phone = models.CharField(max_length=16, blank=True, help_text="E.164.")
    lane = models.PositiveSmallIntegerField(choices=Lane.choices, default=Lane.TRANSACTIONAL)
    kind = models.CharField(max_length=20, help_text="OutboundPayload.kind: text, buttons, template...")
    payload = models.JSONField(help_text="The serialised OutboundPayload.")
    fallback = models.JSONField(
        default=dict, blank=True, help_text="How to reach the person if the channel cannot: template_id, sms_text..."
    )
    # Unique through a constraint (Meta), not unique=True: that also built a varchar_pattern_ops copy for LIKE
    # lookups the outbox never makes.
    idempotency_key = models.CharField(max_length=120, help_text="One per logical message.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.CharField(max_length=80, blank=True, help_text="The dispatcher holding the lease.")
    claimed_at = models.DateTimeField(null=True, blank=True)
    outcome_unknown = models.BooleanField(
        default=False, help_text="A dispatcher died while sending: ask the provider before sending again."
    )
    first_attempted_at = models.DateTimeField(
        null=True, blank=True, help_text="A copy found at the provider is this message's only if sent after this."
    )
    provider_message_id = models.CharField(max_length=80, blank=True)
    error_kind = models.CharField(max_length=24, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    cost = models.PositiveIntegerField(default=0, help_text="In đồng, where the provider charges.")
    source_type = models.CharField(max_length=40, blank=True, help_text="What caused the message, e.g. 'dossier'.")
    source_id = models.CharField(max_length=64, blank=True)
    fallback_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="fallback_steps", db_index=False
    )
    fallback_step = models.CharField(max_length=12, choices=FallbackStep.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "lane", "next_attempt_at"], name="outbox_claim"),
            # Partial: a row is claimed for a moment of its life; queued rows (a broadcast's million) write no entry.
            # The sweeper's `claimed_at < ...` and the channel page's `claimed_at >= ...` imply the condition.
            models.Index(fields=["status", "claimed_at"], name="outbox_lease", condition=Q(claimed_at__isnull=False)),
            models.Index(fields=["channel", "status", "created_at"], name="outbox_channel_status"),
            models.Index(fields=["source_type", "source_id"], name="outbox_source"),
            # Partial: few rows are fallback steps; `fallback_of_id = <id>` (the steps of a message) implies it.
            models.Index(fields=["fallback_of"], name="outbox_fallback_of", condition=Q(fallback_of__isnull=False)),
            # "does an older message of this person in this lane still hold the line?" (outbox/queue.py)
            models.Index(order_key(), "id", name="outbox_line", condition=Q(status__in=UNFINISHED_STATUSES)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="outbox_idempotency_key"),
            # One provider message is one row's: a copy found after a crash can be claimed by one row only.
            models.UniqueConstraint(
                fields=["channel", "provider_message_id"],
                name="outbox_provider_id",
                condition=~Q(provider_message_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_label}"

    @property
    def recipient_label(self) -> str:
        from ketnoi.core.redaction import mask_phone

        return self.recipient_user_id or mask_phone(self.recipient_phone)


class QuotaBucket(models.Model):
    """One provider quota (Channel.quota_key) shared by every dispatcher process: a token bucket in a row."""

    key = models.CharField(max_length=80, primary_key=True)
    tokens = models.FloatField(default=0)
    updated_at = models.FloatField(default=0, help_text="Epoch seconds of the last refill.")
    paused_until = models.FloatField(default=0, help_text="Epoch seconds; the provider said slow down (-32).")

    def __str__(self) -> str:
        return self.key


class JobLock(models.Model):
    """Lock-or-skip for scheduled jobs, so two schedulers never run the same job at once."""

    name = models.CharField(max_length=120, primary_key=True)
    holder = models.CharField(max_length=80, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
