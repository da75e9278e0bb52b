"""External systems (the province's one-stop system, its integration platform) that call the integration API."""

import hashlib
import secrets

from django.db import models
from django.utils import timezone

from ketnoi.core.models import UUIDModel
from ketnoi.orgs.models import AdministrativeUnit
from ketnoi.orgs.scoping import Grant, OfficialScope

TOKEN_PREFIX = "kn_"  # noqa: S105  (a visible prefix, not a secret)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiClient(UUIDModel):
    """Sees and writes only inside its unit's subtree, like an official of that unit. The token is stored hashed."""

    name = models.CharField(max_length=120)
    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="api_clients")
    token_hash = models.CharField(max_length=64, unique=True)
    token_hint = models.CharField(max_length=12, help_text="First characters of the token, to tell tokens apart.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name

    def as_scope(self) -> OfficialScope:
        """Its unit's subtree: what `scope_of(client)` answers, so the selectors serve the console and the API alike."""
        return OfficialScope(None, False, (Grant("api_client", self.unit.path, None),))


from .dvcqg.models import DvcqgClient, DvcqgRecord, DvcqgRequest, DvcqgSession, RelayItem  # noqa: E402, F401
