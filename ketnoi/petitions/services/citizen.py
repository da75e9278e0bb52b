"""What the petitioner does after the answer: rate it (1-5), ask to reopen it within the period, or close it;
and the job that closes answered petitions once the reopening period has passed."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.core.errors import ApplicationError
from ketnoi.core.text import nfc

from ..deadlines import answer_deadline
from ..models import EventKind, Petition
from ..states import Action, State
from .common import audit, before_of, lock, move, record_event


@transaction.atomic
def petition_rate(*, petition: Petition, rating: int, comment: str = "") -> Petition:
    """The petitioner's satisfaction with the answer; rating again replaces the earlier rating."""
    petition = lock(petition)
    if petition.state not in (State.ANSWERED, State.CLOSED) or petition.first_answered_at is None:
        raise ApplicationError(_("A petition can be rated once it has been answered."), code="not_answered")
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ApplicationError(_("Choose a rating from 1 to 5."), code="invalid_rating")
    before = before_of(petition)
    petition.rating = rating
    petition.rating_comment = nfc(comment).strip()[:2000]
    petition.rated_at = timezone.now()
    petition.save()
    record_event(
        petition=petition,
        kind=EventKind.RATED,
        note=petition.rating_comment,
        data={"rating": rating},
        petitioner=True,
    )
    audit(actor=None, action="petition.rate", petition=petition, before=before)
    return petition


@transaction.atomic
def petition_reopen(*, petition: Petition, reason: str, at: dt.datetime | None = None) -> Petition:
    """The petitioner is not satisfied and asks again within the period: a new answer cycle with a new deadline."""
    petition = lock(petition)
    at = at or timezone.now()
    reason = nfc(reason).strip()
    if not reason:
        raise ApplicationError(_("Say what is still not resolved."), code="reason_required")
    if petition.state != State.ANSWERED:
        raise ApplicationError(_("Only an answered petition can be reopened."), code="not_answered")
    if petition.reopen_until is not None and timezone.localdate(at) > petition.reopen_until:
        raise ApplicationError(
            _("The period to reopen this petition ended on %(date)s.") % {"date": f"{petition.reopen_until:%d/%m/%Y}"},
            code="reopen_expired",
        )
    before = before_of(petition)
    petition.cycle += 1
    petition.reopen_count += 1
    petition.answer_due = answer_deadline(petition.category, at)
    move(
        petition=petition,
        action=Action.REOPEN,
        actor=None,
        kind=EventKind.REOPENED,
        note=reason[:2000],
        at=at,
        petitioner=True,
    )
    audit(actor=None, action="petition.reopen", petition=petition, before=before)
    return petition


@transaction.atomic
def petition_close(*, actor=None, petition: Petition, petitioner: bool = False, note: str = "") -> Petition:
    petition = lock(petition)
    before = before_of(petition)
    petition.closed_at = timezone.now()
    move(
        petition=petition,
        action=Action.CLOSE,
        actor=actor,
        kind=EventKind.CLOSED,
        note=note,
        petitioner=petitioner,
        notify=False,
    )
    audit(actor=actor, action="petition.close", petition=petition, before=before)
    return petition


def close_expired(today: dt.date | None = None) -> int:
    """Scheduled: answered petitions whose reopening period has passed are closed."""
    today = today or timezone.localdate()
    closed = 0
    for petition in Petition.objects.filter(state=State.ANSWERED, reopen_until__lt=today).only("pk"):
        petition_close(petition=petition, note="reopening period ended")
        closed += 1
    return closed
