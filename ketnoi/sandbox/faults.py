"""The fault switch: per app, per OA, and global. The effective faults of a request combine all three."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from .conf import sandbox_setting
from .models import FaultSwitch, Grant, SandboxApp, SandboxOA

FIELDS = ("latency_ms", "error_rate", "timeout_rate", "lost_response_rate", "timeout_seconds", "drop_webhooks")


@dataclass(frozen=True)
class Faults:
    latency_ms: int = 0
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    lost_response_rate: float = 0.0
    timeout_seconds: float = 0.0
    rate_limited: bool = False
    drop_webhooks: bool = False


def scopes_of(oa: SandboxOA | None, app: SandboxApp | None = None) -> list[str]:
    scopes = ["global"]
    app = app or (oa.app if oa else None)
    if app:
        scopes.append(f"app:{app.app_id}")
    if oa:
        scopes.append(f"oa:{oa.oa_id}")
    return scopes


def effective_faults(oa: SandboxOA | None, app: SandboxApp | None = None) -> Faults:
    switches = list(FaultSwitch.objects.filter(scope__in=scopes_of(oa, app)))
    if not switches:
        return Faults()
    now = timezone.now()
    timeouts = [s.timeout_seconds for s in switches if s.timeout_seconds]
    return Faults(
        latency_ms=max(s.latency_ms for s in switches),
        error_rate=max(s.error_rate for s in switches),
        timeout_rate=max(s.timeout_rate for s in switches),
        lost_response_rate=max(s.lost_response_rate for s in switches),
        timeout_seconds=max(timeouts) if timeouts else sandbox_setting("TIMEOUT_SECONDS"),
        rate_limited=any(s.rate_limited_until and s.rate_limited_until > now for s in switches),
        drop_webhooks=any(s.drop_webhooks for s in switches),
    )


def set_faults(*, scope: str, rate_limit_seconds: float | None = None, **values) -> FaultSwitch:
    """Set some fields of a scope's switch; the others keep their value. rate_limit_seconds=N: -32 for N s."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown fault(s): {', '.join(sorted(unknown))}")
    switch, _ = FaultSwitch.objects.get_or_create(scope=scope)
    for name, value in values.items():
        if name in ("error_rate", "timeout_rate", "lost_response_rate") and not 0 <= float(value) <= 1:
            raise ValueError(f"{name} must be between 0 and 1")
        setattr(switch, name, value)
    if rate_limit_seconds is not None:
        switch.rate_limited_until = (
            timezone.now() + dt.timedelta(seconds=float(rate_limit_seconds)) if rate_limit_seconds else None
        )
    switch.save()
    return switch


def expire_tokens(*, oa: SandboxOA | None = None, app: SandboxApp | None = None, invalid: bool = False) -> int:
    """Force the current access tokens out: expired (-220) or, with invalid=True, removed (-216)."""
    grants = Grant.objects.filter(oa=oa) if oa else Grant.objects.filter(oa__app=app)
    now = timezone.now()
    if invalid:
        return grants.filter(revoked_at__isnull=True).update(revoked_at=now)
    return grants.filter(access_expires_at__gt=now).update(access_expires_at=now - dt.timedelta(seconds=1))


def as_dict(switch: FaultSwitch) -> dict:
    data = {name: getattr(switch, name) for name in FIELDS}
    data["scope"] = switch.scope
    data["rate_limited_until"] = switch.rate_limited_until.isoformat() if switch.rate_limited_until else None
    return data
