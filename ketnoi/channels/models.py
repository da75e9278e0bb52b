"""A channel is one official account (or web chat, or SMS gateway) belonging to a unit."""

from typing import Any

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

    class Meta:
        ordering = ["unit__path", "name"]
        indexes = [models.Index(fields=["type_code", "external_id"])]

    def __str__(self) -> str:
        return self.name

    @property
    def secrets(self) -> dict[str, Any]:
        return decrypt_json(self.secrets_encrypted)

    def set_secrets(self, values: dict[str, Any]) -> None:
        self.secrets_encrypted = encrypt_json(values)

    @property
    def channel_type(self):
        from .types import get_channel_type

        return get_channel_type(self.type_code)

    @property
    def quota_key(self) -> str:
        return self.quota_group or f"channel:{self.pk}"
