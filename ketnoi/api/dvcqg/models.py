"""DVCQG-compatible clients: a one-stop system that speaks the national portal's sync protocol to ketnoi, the
sessions it authenticates, every request it sends (the raw record), the latest raw dossier object per MaHoSo, and
the relay queue that forwards each accepted payload unchanged to the client's real upstream."""

import hashlib
import json

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketnoi.core.crypto import decrypt_json, encrypt_json
from ketnoi.core.models import UUIDModel


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def seal(text: str) -> str:
    """Payloads carry phone and ID numbers: kept encrypted at rest, like the dossier's ID number."""
    return encrypt_json({"t": text}) if text else ""


def unseal(token: str) -> str:
    return decrypt_json(token).get("t", "") if token else ""


class DvcqgClient(UUIDModel):
    """One source system. Writes as its ApiClient (same scope, same dossier services as the native API).

    `username`/password answer the adapter's authentication; `path_key` is the secret part of the bare-array URLs
    (those systems configure only URLs). Secrets are stored hashed; the upstream credentials encrypted."""

    api_client = models.OneToOneField("api.ApiClient", on_delete=models.PROTECT, related_name="dvcqg")
    receiving_agency = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+")
    agency_map = models.JSONField(
        default=dict, blank=True, help_text="madonvi or DonViXuLy -> ketnoi agency code, where they differ."
    )
    username = models.CharField(max_length=100, unique=True)
    password_hash = models.CharField(max_length=128)
    path_key_hash = models.CharField(max_length=64, unique=True)
    path_key_hint = models.CharField(max_length=12)
    sends_steps = models.BooleanField(
        default=False, help_text="Has sent progress steps: its dossiers' statuses then come from the steps."
    )
    relay_enabled = models.BooleanField(default=False)
    upstream_url = models.URLField(blank=True, help_text="Adapter: the integration endpoint; bare arrays: the base.")
    upstream_auth_url = models.URLField(blank=True, help_text="Adapter only: where to get the upstream session.")
    upstream_credentials = models.TextField(blank=True, help_text="Encrypted {username, password, dstcode, session}.")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.api_client.name

    @property
    def name(self) -> str:
        return self.api_client.name

    @property
    def unit(self):
        return self.api_client.unit


class DvcqgSession(models.Model):
    """A session handed out by the adapter's authentication; stored hashed, valid for a day."""

    client = models.ForeignKey(DvcqgClient, on_delete=models.CASCADE, related_name="sessions")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"session of {self.client_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class Style(models.TextChoices):
    ADAPTER = "adapter", _("Adapter (one endpoint, service names)")
    ARRAY = "array", _("Bare arrays (one URL per action)")


class DvcqgRequest(UUIDModel):
    """Every call of a known client, valid or not, with its raw body and our answer: the traffic and the errors."""

    client = models.ForeignKey(DvcqgClient, on_delete=models.CASCADE, related_name="requests")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    style = models.CharField(max_length=10, choices=Style.choices)
    service = models.CharField(max_length=60, blank=True)
    path = models.CharField(max_length=300, blank=True, help_text="Action and query string, as received.")
    body_sealed = models.TextField(blank=True, help_text="Raw, as received (encrypted): unknown fields stay here.")
    items = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=10, default="0")
    message = models.TextField(blank=True)
    results = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [models.Index(fields=["client", "-received_at"], name="dvcqg_request_recent")]

    def __str__(self) -> str:
        return f"{self.service or self.path} {self.received_at:%Y-%m-%d %H:%M:%S} {self.error_code}"

    @property
    def ok(self) -> bool:
        return self.error_code in ("0", "00")

    @property
    def body(self) -> str:
        return unseal(self.body_sealed)


class DvcqgRecord(models.Model):
    """The latest raw dossier object per MaHoSo (every field, known or not), and steps that came before it."""

    client = models.ForeignKey(DvcqgClient, on_delete=models.CASCADE, related_name="records")
    code = models.CharField(max_length=100)
    dossier = models.ForeignKey("dossiers.Dossier", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    raw_sealed = models.TextField(blank=True, help_text="The latest object as received, encrypted.")
    unknown_fields = models.JSONField(default=list, blank=True)
    pending_steps = models.JSONField(default=list, blank=True, help_text="Steps received before their dossier.")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "code"], name="dvcqg_record_unique_code")]

    def __str__(self) -> str:
        return self.code

    @property
    def raw(self) -> dict:
        return json.loads(unseal(self.raw_sealed) or "{}")

    @raw.setter
    def raw(self, value: dict) -> None:
        self.raw_sealed = seal(json.dumps(value, ensure_ascii=False))


class RelayStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Forwarded")
    DEAD = "dead", _("Gave up")


class RelayItem(UUIDModel):
    """One accepted payload to forward unchanged, written in the acceptance's transaction.

    Claimed by one worker at a time (status SENDING until `claimed_until`); a worker killed mid-send leaves a claim
    that expires and the item is sent again with the same Idempotency-Key header, never dropped."""

    client = models.ForeignKey(DvcqgClient, on_delete=models.CASCADE, related_name="relay_items")
    request = models.OneToOneField(DvcqgRequest, on_delete=models.CASCADE, related_name="relay")
    url = models.CharField(max_length=500)
    body_sealed = models.TextField(default="", help_text="The payload to forward unchanged, encrypted at rest.")
    content_type = models.CharField(max_length=100, default="application/json")
    headers = models.JSONField(default=dict, blank=True)
    swap_session = models.BooleanField(default=False, help_text="Adapter body: put the upstream session in.")
    status = models.CharField(max_length=10, choices=RelayStatus.choices, default=RelayStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    upstream_status = models.PositiveIntegerField(null=True, blank=True)
    upstream_answer = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.url} ({self.status})"

    @property
    def body(self) -> str:
        return unseal(self.body_sealed)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="relay_item_due",
            ),
            # "is an older item of this client still on its way?" (the per-client order in relay.claim)
            models.Index(
                fields=["client", "id"], condition=Q(status__in=["pending", "sending"]), name="relay_item_line"
            ),
        ]
