"""The single way services record what they changed. Call inside the service's transaction."""

from collections.abc import Iterable
from typing import Any

from django.db import models

from .actor import ActorLike, as_actor
from .models import AuditEntry
from .redaction import redact_value

SYSTEM = "system"


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """JSON-safe copy of the named fields, with personal data masked, for the before/after of an audit entry."""
    values: dict[str, Any] = {}
    for name in fields:
        value = getattr(instance, name)
        if isinstance(value, models.Model) or (
            value is not None and not isinstance(value, (str, int, float, bool, list, dict))
        ):
            value = str(value)
        values[name] = redact_value(name, value)
    return values


def audit_record(
    *,
    actor: ActorLike,
    action: str,
    target: models.Model,
    unit_path: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    who = as_actor(actor)
    return AuditEntry.objects.create(
        actor=who.user,
        actor_label=who.username,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(getattr(target, "uuid", target.pk)),
        target_label=str(target)[:255],
        unit_path=unit_path,
        before=before or {},
        after=after or {},
    )
