"""Publication on /phan-anh/: an answered petition whose answer was approved for publication, with personal data
removed (ketnoi.core.redaction.anonymize_text). The public page reads only the public_* fields written here."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.core.errors import ApplicationError
from ketnoi.core.redaction import anonymize_text
from ketnoi.core.text import nfc

from ..models import AnswerStatus, EventKind, Petition
from ..states import State
from .common import audit, before_of, check_actor_scope, lock, record_event


def personal_names(petition: Petition) -> list[str]:
    return [n for n in (petition.petitioner_name, petition.business_name) if n]


def public_draft(petition: Petition) -> dict[str, str]:
    """What would be published: the anonymised subject, petition and latest approved answer (for the preview)."""
    answer = petition.answers.filter(status=AnswerStatus.APPROVED).order_by("-reviewed_at", "-id").first()
    names = personal_names(petition)
    extra = [petition.petitioner_email, petition.petitioner_address, petition.tax_code]
    return {
        "subject": _clean(petition.subject, names, extra),
        "text": _clean(petition.text, names, extra),
        "answer": _clean(answer.text if answer else "", names, extra),
    }


def _clean(text: str, names: list[str], extra: list[str]) -> str:
    for value in extra:
        if value and len(value) > 3:
            text = text.replace(value, "[đã ẩn]")
    return anonymize_text(nfc(text), names=names)


@transaction.atomic
def petition_publish(
    *, actor, petition: Petition, subject: str = "", text: str = "", answer: str = "", at: dt.datetime | None = None
) -> Petition:
    """Publish the anonymised petition and answer. Texts the officer edited are anonymised again all the same."""
    check_actor_scope(actor, petition, "petitions.handle")
    petition = lock(petition)
    if petition.state not in (State.ANSWERED, State.CLOSED) or petition.first_answered_at is None:
        raise ApplicationError(_("Only answered petitions are published."), code="not_answered")
    if not petition.consent_to_publish:
        raise ApplicationError(_("The petitioner did not agree to publication."), code="no_consent")
    draft = public_draft(petition)
    names = personal_names(petition)
    extra = [petition.petitioner_email, petition.petitioner_address, petition.tax_code]
    before = before_of(petition)
    at = at or timezone.now()
    petition.public_subject = _clean(subject, names, extra) if subject.strip() else draft["subject"]
    petition.public_text = _clean(text, names, extra) if text.strip() else draft["text"]
    petition.public_answer = _clean(answer, names, extra) if answer.strip() else draft["answer"]
    petition.published_at = petition.published_at or at
    petition.save()
    record_event(petition=petition, kind=EventKind.PUBLISHED, actor=actor, occurred_at=at)
    audit(actor=actor, action="petition.publish", petition=petition, before=before)
    return petition


@transaction.atomic
def petition_unpublish(*, actor, petition: Petition, reason: str) -> Petition:
    check_actor_scope(actor, petition, "petitions.handle")
    reason = nfc(reason).strip()
    if not reason:
        raise ApplicationError(_("Give the reason for withdrawing the publication."), code="reason_required")
    petition = lock(petition)
    before = before_of(petition)
    petition.published_at = None
    petition.public_subject = petition.public_text = petition.public_answer = ""
    petition.save()
    record_event(petition=petition, kind=EventKind.PUBLISHED, actor=actor, note=reason, data={"withdrawn": True})
    audit(actor=actor, action="petition.unpublish", petition=petition, before=before)
    return petition
