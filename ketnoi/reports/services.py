"""Writes of the reports app that are an official's decision (the report tables themselves are derived data, rebuilt
by reports/aggregation.py): the subscription to the businesses' daily digest."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from ketnoi.core.audit import audit_record
from ketnoi.core.errors import NotPermitted

from .business_digest import KIND, can_read
from .models import DigestSubscription


@transaction.atomic
def digest_subscribe(*, official: AbstractBaseUser, on: bool) -> bool:
    """Subscribe to (or leave) the daily report. Officials who may read it only."""
    if not can_read(official):
        raise NotPermitted()
    if on:
        _sub, created = DigestSubscription.objects.get_or_create(user=official, kind=KIND)
        changed = created
    else:
        changed = bool(DigestSubscription.objects.filter(user=official, kind=KIND).delete()[0])
    if changed:
        membership = official.memberships.filter(is_active=True).select_related("unit").first()
        audit_record(
            actor=official,
            action="reports.digest_subscribe" if on else "reports.digest_unsubscribe",
            target=official,
            unit_path=membership.unit.path if membership else "/",
            after={"kind": KIND},
        )
    return on
