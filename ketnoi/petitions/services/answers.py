"""Answers: the officer drafts and submits, a leader who did not draft it approves (four eyes) and the approval
sends it to the petitioner on the channel they used; or the leader returns it with a note."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ketnoi.broadcasts.services import approval_request_notify
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.core.text import nfc
from ketnoi.core.workdays import add_working_days
from ketnoi.orgs.selectors import nearest_holders

from ..deadlines import publish_deadline
from ..models import AnswerStatus, EventKind, Petition, PetitionAnswer
from ..states import Action
from .common import audit, before_of, check_actor_scope, is_official, lock, move

MAX_ANSWER = 10000


def current_answer(petition: Petition) -> PetitionAnswer | None:
    return petition.answers.filter(cycle=petition.cycle).order_by("-drafted_at", "-id").first()


@transaction.atomic
def answer_submit(*, actor, petition: Petition, text: str, publish: bool = False) -> PetitionAnswer:
    """The officer's answer goes to a leader for approval; nothing reaches the petitioner yet."""
    check_actor_scope(actor, petition, "petitions.handle")
    if not is_official(actor):
        raise NotPermitted(_("Answers are drafted by an official."))
    text = nfc(text).strip()
    if not text:
        raise ApplicationError(_("Write the answer."), code="answer_required")
    if len(text) > MAX_ANSWER:
        raise ApplicationError(
            _("The answer is too long (at most %(max)s characters).") % {"max": MAX_ANSWER}, code="too_long"
        )
    petition = lock(petition)
    if publish and not petition.consent_to_publish:
        raise ApplicationError(_("The petitioner did not agree to publication."), code="no_consent")
    before = before_of(petition)
    now = timezone.now()
    answer = PetitionAnswer.objects.create(
        petition=petition,
        cycle=petition.cycle,
        text=text,
        publish=publish,
        drafted_by=actor,
        drafted_at=now,
        submitted_at=now,
        status=AnswerStatus.SUBMITTED,
    )
    move(
        petition=petition,
        action=Action.SUBMIT_ANSWER,
        actor=actor,
        kind=EventKind.ANSWER_SUBMITTED,
        data={"answer": str(answer.uuid)},
        at=now,
        notify=False,
    )
    audit(actor=actor, action="petition.answer_submit", petition=petition, before=before)
    _ask_approvers(petition, answer)
    return answer


def _ask_approvers(petition: Petition, answer: PetitionAnswer) -> None:
    """Tell the nearest leaders who may approve the answer (never its drafter), in "My notices" and on the
    internal OA; at night the OA message waits for the morning."""
    approvers = nearest_holders(
        capability="answers.approve", unit=petition.unit, agency=petition.owner_agency, exclude=[answer.drafted_by_id]
    )
    url = reverse("console:petition_detail", kwargs={"uuid": petition.uuid})
    with translation.override(settings.LANGUAGE_CODE):
        text = _("An answer to petition %(code)s waits for your approval: %(subject)s (%(agency)s), by %(author)s.") % {
            "code": petition.tracking_code,
            "subject": petition.subject[:80],
            "agency": petition.owner_agency.name,
            "author": answer.drafted_by.get_full_name() or answer.drafted_by.get_username(),
        }
    approval_request_notify(
        approvers=approvers, text=text, url=url, key=f"petition:{petition.uuid.hex}:approve:{answer.uuid.hex}"
    )


def _submitted(petition: Petition) -> PetitionAnswer:
    answer = (
        petition.answers.select_for_update()
        .filter(cycle=petition.cycle, status=AnswerStatus.SUBMITTED)
        .order_by("-submitted_at", "-id")
        .first()
    )
    if answer is None:
        raise ApplicationError(_("There is no answer waiting for approval."), code="no_answer")
    return answer


def reopen_days() -> int:
    return int(getattr(settings, "PETITION_REOPEN_WORKING_DAYS", 10))


@transaction.atomic
def answer_approve(*, actor, petition: Petition, at: dt.datetime | None = None) -> PetitionAnswer:
    """A leader approves: the answer is sent to the petitioner (chat, else phone) with rating buttons and the link."""
    check_actor_scope(actor, petition, "answers.approve")
    petition = lock(petition)
    answer = _submitted(petition)
    if is_official(actor) and answer.drafted_by_id == actor.pk:
        raise NotPermitted(_("Another leader must approve an answer you drafted (four eyes)."))
    before = before_of(petition)
    at = at or timezone.now()
    answer.status = AnswerStatus.APPROVED
    answer.reviewed_by = actor if is_official(actor) else None
    answer.reviewed_at = at
    answer.sent_at = at
    answer.save()
    petition.answered_at = at
    petition.first_answered_at = petition.first_answered_at or at
    petition.reopen_until = add_working_days(at, reopen_days())
    if answer.publish and petition.consent_to_publish and petition.published_at is None:
        petition.publish_due = publish_deadline(petition.category, at)
    move(
        petition=petition,
        action=Action.APPROVE_ANSWER,
        actor=actor,
        kind=EventKind.ANSWERED,
        data={"answer": answer.text, "answer_uuid": str(answer.uuid)},
        at=at,
    )
    audit(actor=actor, action="petition.answer_approve", petition=petition, before=before)
    return answer


@transaction.atomic
def answer_return(*, actor, petition: Petition, note: str) -> PetitionAnswer:
    """The leader sends the answer back to the officer with what to change."""
    check_actor_scope(actor, petition, "answers.approve")
    note = nfc(note).strip()
    if not note:
        raise ApplicationError(_("Say what to change."), code="reason_required")
    petition = lock(petition)
    answer = _submitted(petition)
    before = before_of(petition)
    answer.status = AnswerStatus.RETURNED
    answer.reviewed_by = actor if is_official(actor) else None
    answer.reviewed_at = timezone.now()
    answer.review_note = note
    answer.save()
    move(
        petition=petition,
        action=Action.RETURN_ANSWER,
        actor=actor,
        kind=EventKind.ANSWER_RETURNED,
        note=note,
        notify=False,
    )
    audit(actor=actor, action="petition.answer_return", petition=petition, before=before)
    return answer
