"""A unit's inbox settings: who is on duty (round-robin), canned replies, response targets and office hours."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from ketnoi.core.actor import as_actor
from ketnoi.core.audit import audit_record
from ketnoi.core.errors import ApplicationError
from ketnoi.core.text import nfc
from ketnoi.orgs.models import AdministrativeUnit

from ..models import CannedReply, DutyStatus, ServicePolicy
from .common import ANSWER, MANAGE, can, require

MAX_CANNED_TEXT = 2000


@transaction.atomic
def duty_set(*, actor, user, unit: AdministrativeUnit, on_duty: bool) -> DutyStatus:
    """Put an official on or off duty for a unit's inbox: themselves, or anyone of the team for a manager."""
    if user.pk != as_actor(actor).user_id:
        require(actor, MANAGE, unit)
    if not can(user, ANSWER, unit):
        raise ApplicationError(
            gettext("%(user)s does not answer for %(unit)s.") % {"user": user.get_username(), "unit": unit.name},
            code="not_in_team",
        )
    duty, _ = DutyStatus.objects.select_for_update().get_or_create(user=user, unit=unit)
    before = {"on_duty": duty.on_duty}
    if duty.on_duty != on_duty:
        duty.on_duty = on_duty
        duty.changed_at = timezone.now()
        duty.save(update_fields=["on_duty", "changed_at"])
    audit_record(
        actor=actor, action="inbox.duty", target=user, unit_path=unit.path, before=before, after={"on_duty": on_duty}
    )
    return duty


def _clean_canned(title: str, text: str) -> tuple[str, str]:
    title, text = nfc(title or "").strip(), nfc(text or "").strip()
    if not title or not text:
        raise ApplicationError(gettext("A canned reply needs a title and a text."), code="empty")
    if len(title) > 80:
        raise ApplicationError(gettext("The title has more than 80 characters."), code="too_long")
    if len(text) > MAX_CANNED_TEXT:
        raise ApplicationError(
            gettext("The text has more than %(max)s characters.") % {"max": MAX_CANNED_TEXT}, code="too_long"
        )
    return title, text


@transaction.atomic
def canned_reply_save(
    *, actor, unit: AdministrativeUnit, title: str, text: str, canned: CannedReply | None = None
) -> CannedReply:
    """Create a canned reply for the unit, or change one (inbox.manage)."""
    unit = canned.unit if canned is not None else unit
    require(actor, MANAGE, unit)
    title, text = _clean_canned(title, text)
    before = {"title": canned.title, "text": canned.text} if canned else {}
    canned = canned or CannedReply(unit=unit, created_by=as_actor(actor).user)
    canned.title, canned.text, canned.is_active, canned.updated_at = title, text, True, timezone.now()
    try:
        with transaction.atomic():
            canned.save()
    except IntegrityError:
        raise ApplicationError(
            gettext("The unit already has a canned reply called “%(title)s”.") % {"title": title}, code="duplicate"
        ) from None
    audit_record(
        actor=actor,
        action="inbox.canned_reply_save",
        target=canned,
        unit_path=unit.path,
        before=before,
        after={"title": title, "text": text},
    )
    return canned


@transaction.atomic
def canned_reply_delete(*, actor, canned: CannedReply) -> None:
    require(actor, MANAGE, canned.unit)
    before = {"title": canned.title, "text": canned.text}
    audit_record(
        actor=actor, action="inbox.canned_reply_delete", target=canned, unit_path=canned.unit.path, before=before
    )
    canned.delete()


@transaction.atomic
def service_policy_save(
    *,
    actor,
    unit: AdministrativeUnit,
    first_response_minutes: int,
    resolution_minutes: int,
    day_start: dt.time,
    day_end: dt.time,
    reopen_hours: int,
) -> ServicePolicy:
    """Set the unit's response targets (business minutes) and office hours (inbox.manage)."""
    require(actor, MANAGE, unit)
    if day_end <= day_start:
        raise ApplicationError(gettext("Office hours must end after they start."), code="bad_hours")
    if first_response_minutes < 1 or resolution_minutes < first_response_minutes:
        raise ApplicationError(
            gettext("Targets must be at least a minute, and resolution no shorter than the first response."),
            code="bad_target",
        )
    policy = ServicePolicy.objects.select_for_update().filter(unit=unit).first()
    before = (
        {
            "first_response_minutes": policy.first_response_minutes,
            "resolution_minutes": policy.resolution_minutes,
            "day_start": policy.day_start.isoformat(),
            "day_end": policy.day_end.isoformat(),
            "reopen_hours": policy.reopen_hours,
        }
        if policy
        else {}
    )
    policy = policy or ServicePolicy(unit=unit)
    policy.first_response_minutes, policy.resolution_minutes = first_response_minutes, resolution_minutes
    policy.day_start, policy.day_end, policy.reopen_hours = day_start, day_end, reopen_hours
    policy.updated_at = timezone.now()
    policy.save()
    audit_record(
        actor=actor,
        action="inbox.policy_save",
        target=unit,
        unit_path=unit.path,
        before=before,
        after={
            "first_response_minutes": first_response_minutes,
            "resolution_minutes": resolution_minutes,
            "day_start": day_start.isoformat(),
            "day_end": day_end.isoformat(),
            "reopen_hours": reopen_hours,
        },
    )
    return policy
