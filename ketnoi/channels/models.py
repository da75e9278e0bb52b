"""A channel is one official account (or web chat, or SMS gateway) belonging to a unit."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from ketnoi.core.crypto import decrypt_json, encrypt_json
from ketnoi.core.models import UUIDModel
from ketnoi.orgs.models import AdministrativeUnit


class Channel(UUIDModel):
    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="channels")
    type_code = models.CharField(max_length=20, db_index=True)
    name = models.CharField(max_length=120)
    external_id = models.CharField(max_length=64, blank=True, help_text="The provider's id, e.g. the Zalo OA id.")
    config = models.JSONField(default=dict, blank=True, help_text="Non-secret settings of the channel type.")
    secrets_encrypted = models.TextField(blank=True, help_text="Credentials, encrypted at rest.")
    quota_per_minute = models.PositiveIntegerField(default=4000)
    quota_group = models.CharField(
        max_length=64, blank=True, help_text="Channels sharing a provider quota (e.g. one Zalo app) share this key."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Credentials that expire (Zalo OAuth): when, which generation, and who is refreshing them right now.
    token_expires_at = models.DateTimeField(null=True, blank=True)
    credentials_version = models.PositiveIntegerField(default=0)
    credentials_lease_until = models.DateTimeField(
        null=True, blank=True, help_text="Set while one worker refreshes the credentials; others wait for it."
    )
    last_error = models.CharField(max_length=255, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["unit__path", "name"]
        indexes = [models.Index(fields=["type_code", "external_id"])]

    def __str__(self) -> str:
        return self.name

    @property
    def secrets(self) -> dict[str, Any]:
        """Decrypted once per stored value (kept on the instance beside the ciphertext it came from)."""
        memo = getattr(self, "_secrets_memo", None)
        if memo is None or memo[0] != self.secrets_encrypted:
            memo = (self.secrets_encrypted, decrypt_json(self.secrets_encrypted))
            self._secrets_memo = memo
        return dict(memo[1])

    def set_secrets(self, values: dict[str, Any]) -> None:
        self.secrets_encrypted = encrypt_json(values)

    @property
    def channel_type(self):
        from .types import get_channel_type

        return get_channel_type(self.type_code)

    @property
    def quota_key(self) -> str:
        return self.quota_group or f"channel:{self.pk}"


class ChannelEvent(models.Model):
    """One webhook delivery exactly as received, stored before anything else happens to it.

    The intake view only inserts this row (one INSERT, committed before the 200), so the provider gets its answer
    at once; `dedup_key` is unique per channel, so a provider retry of the same event is stored and processed once.
    A pending row is the queue: `manage.py run_inbound` claims them (ketnoi.pipeline.claimer).
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        HANDLED = "handled"
        IGNORED = "ignored"  # an event type nobody handles: kept for the record
        UNPARSEABLE = "unparseable"  # correctly signed but not understood: kept so it can be looked at
        FAILED = "failed"  # a handler raised; `error` says why

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="events")
    dedup_key = models.CharField(max_length=255)
    provider_event = models.CharField(max_length=80, blank=True)
    user_id = models.CharField(max_length=64, blank=True, help_text="The person the event is about, if any.")
    raw_body = models.TextField()
    headers = models.JSONField(default=dict, blank=True, help_text="Provider headers worth keeping (never secrets).")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    received_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["channel", "dedup_key"], name="channel_event_dedup")]
        indexes = [
            models.Index(fields=["channel", "received_at"]),
            models.Index(fields=["channel", "user_id"]),
            models.Index(fields=["status"]),
            # The inbound queue: pending rows in arrival order, and per person (the oldest pending one goes first).
            models.Index(fields=["id"], condition=models.Q(status="pending"), name="channel_event_pending"),
            models.Index(
                fields=["channel", "user_id", "id"],
                condition=models.Q(status="pending"),
                name="channel_event_pending_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider_event or 'event'} {self.dedup_key}"

    @property
    def body(self) -> bytes:
        return self.raw_body.encode("utf-8")


# Models that belong to one channel type live in its folder and register with this app.
from .types.webchat.models import WebChatMessage  # noqa: E402, F401


class ZaloConnection(UUIDModel):
    """One "Connect an official account" in progress: the app's credentials and the PKCE verifier, kept (encrypted)
    between sending the administrator to Zalo's permission page and Zalo sending them back with a code.

    `state` ties the answer to this request (and to the administrator who started it); a connection is finished
    once, and forgotten after `expires_at` (Zalo's code itself lives 10 minutes).
    """

    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120, blank=True)
    app_id = models.CharField(max_length=25)
    secrets_encrypted = models.TextField(help_text="App secret, OA secret key and the PKCE verifier, encrypted.")
    state = models.CharField(max_length=64, unique=True)
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.CASCADE, related_name="+", help_text="Set to reconnect."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Zalo connection {self.app_id} ({self.state[:6]}…)"

    @property
    def secrets(self) -> dict[str, Any]:
        return decrypt_json(self.secrets_encrypted)

    def set_secrets(self, values: dict[str, Any]) -> None:
        self.secrets_encrypted = encrypt_json(values)
