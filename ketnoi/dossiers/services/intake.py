"""Taking a dossier in: at the desk (dossier_receive), or online before acceptance (dossier_submit_online)."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.core.actor import as_actor
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.core.phones import InvalidPhoneNumber, normalize_phone
from ketnoi.core.text import nfc
from ketnoi.core.workdays import add_working_days
from ketnoi.orgs.models import Agency, Desk
from ketnoi.orgs.scoping import scope_of
from ketnoi.procedures.models import Procedure
from ketnoi.procedures.selectors import competent_agency as competent_agency_for

from ..codes import allocate_receipt_code
from ..models import ApplicantType, Dossier, EventKind, EventSource, SubmissionChannel
from ..notifications import notify_citizen
from ..protect import protect_id_number
from ..selectors import dossier_scope_q
from ..states import State
from .common import NOTICE_FOR_STATE, audit, check_transition, parties_of, record_event
from .linking import dossier_link_by_phone


def clean_phone(raw: str, *, required: bool = False) -> str:
    if not (raw or "").strip():
        if required:
            raise ApplicationError(_("The applicant's phone number is required."), code="phone_required")
        return ""
    try:
        return normalize_phone(raw)
    except InvalidPhoneNumber as exc:
        raise ApplicationError(str(exc), code="invalid_phone") from exc


def due_date_from(start: dt.datetime, procedure: Procedure) -> dt.date:
    """Received (or clock restarted) + the procedure's working days, on the working-day calendar."""
    return add_working_days(start, procedure.processing_days)


def _check_desk_official(actor, agency: Agency) -> None:
    if as_actor(actor).is_system:
        return
    scope = scope_of(actor)
    if not scope.can("dossiers.intake"):
        raise NotPermitted(_("Only desk officers take dossiers in."))
    narrowed = scope.narrowed("dossiers.intake")
    allowed = narrowed.everything or any(
        (g.agency_ids is not None and agency.pk in g.agency_ids)
        or (g.agency_ids is None and agency.unit.path.startswith(g.unit_path))
        for g in narrowed.grants
    )
    if not allowed:
        raise NotPermitted(_("You do not take dossiers in for %(agency)s.") % {"agency": agency.name})


def receipt_code_taken(*, actor, unit, code: str) -> bool:
    """A code the caller chose is taken when a dossier of the same unit has it (receipt codes are unique within a
    unit) or one the caller can see does. Another unit's dossier is none of the caller's business: answering "taken"
    would tell an integrating system of commune A that commune B has that code, so both are kept, and the public
    lookup by code answers with the one stored first (selectors.dossier_find_by_code)."""
    visible = dossier_scope_q(scope_of(actor), None) if actor is not None else Q(pk__in=[])
    return Dossier.objects.filter(Q(unit=unit) | visible, receipt_code=code).exists()


def _code_taken_error(code: str) -> ApplicationError:
    return ApplicationError(_("Receipt code %(code)s is already taken.") % {"code": code}, code="duplicate_code")


@transaction.atomic
def dossier_receive(
    *,
    actor,
    procedure: Procedure,
    receiving_agency: Agency,
    applicant_name: str,
    applicant_phone: str = "",
    applicant_id_number: str = "",
    applicant_address: str = "",
    applicant_email: str = "",
    applicant_type: str = ApplicantType.CITIZEN,
    desk: Desk | None = None,
    competent_agency: Agency | None = None,
    channel: str = SubmissionChannel.IN_PERSON,
    summary: str = "",
    documents_received: list[dict] | None = None,
    language: str = "vi",
    received_at: dt.datetime | None = None,
    receipt_code: str = "",
    source: str = EventSource.DESK,
    external_system: str = "",
    external_id: str = "",
    state: str = State.RECEIVED,
    due_date: dt.date | None = None,
    calculate_due_date: bool = True,
) -> Dossier:
    """Desk intake: a complete dossier gets its receipt code and due date, the history starts, and the citizen is
    told: in the chat of whoever proved the phone by a one-time code, else by the OA's template to the phone.
    `receipt_code` and `due_date` are given only by an integrating system that numbers its own dossiers and keeps
    its own calendar (the owner's NgayHenTra is the date the citizen is told, so it is in place before the receipt
    notice is composed); `state` SUBMITTED (code 1) only for online filings. `calculate_due_date` False: the owner's
    date could not be read, and the citizen is told none rather than one of ours."""
    if source != EventSource.API:
        _check_desk_official(actor, receiving_agency)
    if desk is not None and desk.agency_id != receiving_agency.pk:
        raise ApplicationError(_("Desk %(desk)s belongs to another agency.") % {"desk": desk.code}, code="invalid_desk")
    name = nfc(applicant_name).strip()
    if not name:
        raise ApplicationError(_("The applicant's name is required."), code="name_required")
    if not procedure.is_active:
        raise ApplicationError(
            _("Procedure %(code)s is no longer offered.") % {"code": procedure.code}, code="procedure_inactive"
        )
    received_at = received_at or timezone.now()
    encrypted, id_hash, masked = protect_id_number(applicant_id_number)
    if receipt_code and receipt_code_taken(actor=actor, unit=receiving_agency.unit, code=receipt_code):
        raise _code_taken_error(receipt_code)
    is_received = state != State.SUBMITTED
    dossier = Dossier(
        receipt_code=receipt_code or allocate_receipt_code(agency=receiving_agency, received_at=received_at),
        external_system=external_system,
        external_id=external_id,
        applicant_type=applicant_type,
        applicant_name=name[:200],
        applicant_phone=clean_phone(applicant_phone),
        applicant_id_encrypted=encrypted,
        applicant_id_hash=id_hash,
        applicant_id_masked=masked,
        applicant_address=nfc(applicant_address).strip()[:300],
        applicant_email=applicant_email.strip(),
        language=language if language in ("vi", "en") else "vi",
        procedure=procedure,
        summary=nfc(summary).strip()[:1000],
        documents_received=list(documents_received or []),
        unit=receiving_agency.unit,
        receiving_agency=receiving_agency,
        desk=desk,
        competent_agency=competent_agency or competent_agency_for(procedure, receiving_agency.unit),
        channel=channel,
        received_by=as_actor(actor).user,
        state=state,
        state_changed_at=received_at,
        last_event_at=received_at,
        submitted_at=received_at if channel == SubmissionChannel.ONLINE else None,
        received_at=received_at if is_received else None,
        clock_started_at=received_at if is_received else None,
        due_date=(due_date or (due_date_from(received_at, procedure) if calculate_due_date else None))
        if is_received
        else None,
        created_at=received_at,
    )
    try:
        with transaction.atomic():  # two requests racing for one code in one unit: the loser gets the same 409
            dossier.save()
    except IntegrityError as exc:
        if receipt_code and Dossier.objects.filter(unit=dossier.unit, receipt_code=receipt_code).exists():
            raise _code_taken_error(receipt_code) from exc
        raise
    event = record_event(
        dossier=dossier,
        kind=EventKind.RECEIVED,
        actor=actor,
        source=source,
        to_state=state,
        occurred_at=received_at,
        data={"due_date": str(dossier.due_date or ""), "channel": channel},
    )
    audit(actor, "dossier.receive", dossier)
    # The people who proved this phone with a one-time code are linked first (at the desk or synced alike), so the
    # receipt notice below reaches their chat without the receipt's QR; for anyone else it goes by phone.
    dossier_link_by_phone(dossier=dossier, notify=False)
    notify_citizen(dossier=dossier, event=event, kind=NOTICE_FOR_STATE.get(state, "status_changed"))
    return dossier


@transaction.atomic
def dossier_accept_online(
    *, actor, dossier: Dossier, source: str = EventSource.DESK, at: dt.datetime | None = None
) -> Dossier:
    """An online filing (code 1) is found complete: it is received now, and the due date counts from now."""
    from .common import check_actor_scope, lock, move

    check_actor_scope(actor, dossier, "dossiers.intake")
    dossier = lock(dossier)
    check_transition(dossier.state, State.RECEIVED, parties_of(actor, source))
    at = at or timezone.now()
    dossier.received_at = dossier.clock_started_at = at
    dossier.due_date = due_date_from(at, dossier.procedure)
    before = {"state": dossier.state}
    move(dossier, State.RECEIVED, actor=actor, source=source, at=at, data={"due_date": str(dossier.due_date)})
    audit(actor, "dossier.accept", dossier, before)
    return dossier
