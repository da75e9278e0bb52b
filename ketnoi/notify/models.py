"""Sending services, their API keys and templates, the notifications sent through them and their callbacks.

A sending service belongs to an agency (and so to the agency's unit, which scopes it like everything else). It
may use some of the province's OAs and one SMS gateway; its keys are test (nothing sent), team (only to its
members' phones) or live. A notification records the template version it used and follows its outbox row (and
that row's fallback steps) to a status; every status change can be told to the service's callback URL, signed.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketnoi.channels.models import Channel
from ketnoi.core.crypto import decrypt_json, encrypt_json
from ketnoi.core.models import UUIDModel
from ketnoi.orgs.models import AdministrativeUnit, Agency
from ketnoi.outbox.models import OutboundMessage

KEY_PREFIX = "kn_notify_"  # a visible prefix, not a secret


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class SendingService(UUIDModel):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="sending_services")
    unit = models.ForeignKey(
        AdministrativeUnit, on_delete=models.PROTECT, related_name="+", help_text="The agency's unit: the scope."
    )
    name = models.CharField(max_length=120)
    channels = models.ManyToManyField(Channel, blank=True, related_name="sending_services", help_text="Its OAs.")
    sms_channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    daily_limit = models.PositiveIntegerField(default=10000, help_text="Live and team messages per day.")
    member_phones = models.JSONField(default=list, blank=True, help_text="E.164: where team keys may send.")
    callback_url = models.CharField(max_length=500, blank=True)
    callback_secret_encrypted = models.TextField(blank=True, help_text="HMAC-SHA256 key for callbacks, encrypted.")
    subscribed_events = models.JSONField(
        default=list, blank=True, help_text="ketnoi's own events sent to the callback URL: dossier, petition."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["unit__path", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def callback_secret(self) -> str:
        return decrypt_json(self.callback_secret_encrypted).get("k", "") if self.callback_secret_encrypted else ""

    def set_callback_secret(self, value: str) -> None:
        self.callback_secret_encrypted = encrypt_json({"k": value}) if value else ""


class KeyKind(models.TextChoices):
    TEST = "test", _("Test: nothing is sent")
    TEAM = "team", _("Team: only to the service's members")
    LIVE = "live", _("Live")


class ApiKey(UUIDModel):
    """Shown once when created; only its SHA-256 is kept."""

    service = models.ForeignKey(SendingService, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=8, choices=KeyKind.choices)
    key_hash = models.CharField(max_length=64, unique=True)
    key_hint = models.CharField(max_length=24)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

    @staticmethod
    def new_secret(kind: str) -> str:
        return f"{KEY_PREFIX}{kind}_{secrets.token_urlsafe(32)}"

    # Duck-typed with officials and API clients for selectors and audit rows.
    is_authenticated = True


class Template(UUIDModel):
    service = models.ForeignKey(SendingService, on_delete=models.CASCADE, related_name="templates")
    name = models.CharField(max_length=120)
    version = models.PositiveIntegerField(default=0, help_text="The version in force.")
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TemplateVersion(models.Model):
    """Kept for ever: every notification says which one it used. ((name)) marks a placeholder."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    text = models.TextField(help_text="The consultation message, inside the OA's window.")
    zbs_template_id = models.CharField(max_length=40, blank=True, help_text="ZNS/ZBS template, outside the window.")
    zbs_params = models.JSONField(
        default=dict,
        blank=True,
        help_text="ZBS parameter -> text with ((placeholders)), e.g. {'ma_ho_so': '((code))'}.",
    )
    sms_text = models.TextField(blank=True, help_text="Without diacritics is cheaper; the last resort.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["template", "-version"]
        constraints = [models.UniqueConstraint(fields=["template", "version"], name="notify_template_version")]

    def __str__(self) -> str:
        return f"{self.template} v{self.version}"


class NotificationStatus(models.TextChoices):
    CREATED = "created", _("Created")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent (no receipt on this channel)")
    DELIVERED = "delivered", _("Delivered")
    SEEN = "seen", _("Seen")
    FAILED = "failed", _("Failed")


FINAL = (NotificationStatus.SEEN, NotificationStatus.FAILED)
# How far along each status is: a status only moves forward.
RANK = {
    NotificationStatus.CREATED: 0,
    NotificationStatus.SENDING: 1,
    NotificationStatus.SENT: 2,
    NotificationStatus.DELIVERED: 3,
    NotificationStatus.SEEN: 4,
    NotificationStatus.FAILED: 4,
}


class Via(models.TextChoices):
    NONE = "", _("Not yet")
    TEST = "test", _("Test key: not sent")
    CONSULTATION = "zalo", _("Zalo consultation message")
    ZBS = "zbs", _("ZNS/ZBS template by phone")
    SMS = "sms", _("SMS")


class Notification(UUIDModel):
    service = models.ForeignKey(SendingService, on_delete=models.PROTECT, related_name="notifications")
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    key_kind = models.CharField(max_length=8, choices=KeyKind.choices)
    template_version = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="+")
    recipient_phone = models.CharField(max_length=16, blank=True)
    recipient_user_id = models.CharField(max_length=64, blank=True)
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)
    body = models.TextField(help_text="The consultation text as rendered (what the console shows).")
    status = models.CharField(max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.CREATED)
    via = models.CharField(max_length=8, choices=Via.choices, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    cost = models.PositiveIntegerField(default=0, help_text="In đồng.")
    message = models.ForeignKey(
        OutboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="First step."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["service", "id"], name="notify_service_id"),
            models.Index(fields=["service", "reference", "id"], name="notify_service_reference"),
            models.Index(fields=["service", "created_at"], name="notify_service_day"),
            models.Index(fields=["id"], condition=Q(status__in=("created", "sending")), name="notify_unfinished"),
            models.Index(fields=["message"], name="notify_message"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "idempotency_key"], condition=~Q(idempotency_key=""), name="notify_idempotency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} → {self.status}"

    @property
    def recipient_label(self) -> str:
        """What the console shows: the phone masked (the API gives the full number to the service that sent it)."""
        from ketnoi.core.redaction import mask_phone

        return mask_phone(self.recipient_phone) if self.recipient_phone else self.recipient_user_id


class CallbackStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Delivered")
    DEAD = "dead", _("Given up")


class Callback(UUIDModel):
    """One signed POST to a service's callback URL: a notification's status, or a dossier/petition event. A work
    queue (callbacks.CALLBACKS): a service's callbacks go in the order they were written."""

    service = models.ForeignKey(SendingService, on_delete=models.CASCADE, related_name="callbacks")
    event = models.CharField(max_length=40, help_text="notification.status, dossier.event, petition.event")
    body = models.JSONField()
    status = models.CharField(max_length=8, choices=CallbackStatus.choices, default=CallbackStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at", "id"], name="notify_callback_due"),
            models.Index(fields=["service", "id"], name="notify_callback_line"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.service}"


class EventCursor(models.Model):
    """How far the event feed (dossier and petition history) has been read for subscriptions."""

    name = models.CharField(max_length=40, primary_key=True)
    last_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}@{self.last_id}"


class DailyCount(models.Model):
    """Live and team notifications of a service on one day: the daily limit is checked by one guarded UPDATE of
    this row (a COUNT over the day's notifications would grow with them)."""

    service = models.ForeignKey(SendingService, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service", "day"], name="notify_daily_count")]

    def __str__(self) -> str:
        return f"{self.service_id} {self.day}: {self.count}"
