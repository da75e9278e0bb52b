"""Moving a dossier through the one-stop lifecycle (states.TRANSITIONS), with the rules that come with each step:
supplements restart the clock, the apology slip moves the due date once, the result says where to collect."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from ketnoi.core.actor import as_actor
from ketnoi.core.errors import ApplicationError
from ketnoi.core.text import nfc
from ketnoi.core.uploads import check_upload
from ketnoi.core.workdays import add_working_days, is_working_day

from ..models import Dossier, EventKind, EventSource, NotificationKind
from ..notifications import notify_citizen
from ..states import CLOCK_STATES, State
from .common import audit, before_of, check_actor_scope, lock, move, record_event, require
from .intake import due_date_from

CAPABILITY_FOR_SOURCE = {EventSource.DESK: "dossiers.intake"}
# Days the citizen gets to supplement, when the officer does not say (working days).
DEFAULT_SUPPLEMENT_DAYS = 10

RESULT_MAX_BYTES = 20 * 1024 * 1024


def _capability(source: str) -> str:
    return CAPABILITY_FOR_SOURCE.get(source, "dossiers.process")


def _reason_required(to_state: str, note: str) -> None:
    if to_state in (State.REFUSED, State.NOT_ACCEPTED, State.PAUSED) and not note.strip():
        raise ApplicationError(
            gettext("Give the reason for “%(state)s”.") % {"state": State(to_state).label}, code="reason_required"
        )


@transaction.atomic
def dossier_transition(
    *,
    actor,
    dossier: Dossier,
    to_state: str,
    note: str = "",
    source: str = EventSource.CONSOLE,
    at: dt.datetime | None = None,
) -> Dossier:
    """Any move in the transition table that needs no extra data. Steps with their own data (supplement,
    result, return, acceptance) have their own service; this one refuses to make them half-done."""
    special = {
        State.RECEIVED: "dossier_accept_online",
        State.SUPPLEMENT_REQUESTED: "dossier_request_supplement",
        State.SUPPLEMENTED: "dossier_supplement_received",
        State.RESULT_READY: "dossier_result_ready",
        State.RESULT_RETURNED: "dossier_return_result",
    }
    if to_state not in State.values:
        raise ApplicationError(f"Unknown state '{to_state}'.", code="unknown_state")
    if to_state in special:
        raise ApplicationError(f"Use {special[to_state]} to move a dossier to '{State(to_state).label}'.")
    check_actor_scope(actor, dossier, _capability(source))
    dossier = lock(dossier)
    note = nfc(note).strip()
    _reason_required(to_state, note)
    before = before_of(dossier)
    move(dossier, to_state, actor=actor, source=source, at=at or timezone.now(), note=note)
    audit(actor, "dossier.transition", dossier, before)
    return dossier


@transaction.atomic
def dossier_request_supplement(
    *,
    actor,
    dossier: Dossier,
    missing: list[str],
    due_date: dt.date | None = None,
    note: str = "",
    source: str = EventSource.CONSOLE,
    at: dt.datetime | None = None,
) -> Dossier:
    """Tell the citizen, once and completely, what is missing and by when (Decree 61/2018 Art. 15, Form 02).
    The processing clock stops; it restarts from zero when the supplement completes the dossier."""
    items = [nfc(item).strip() for item in missing if nfc(item).strip()]
    require(bool(items), gettext("Say exactly what is missing."), "missing_required")
    check_actor_scope(actor, dossier, _capability(source))
    dossier = lock(dossier)
    at = at or timezone.now()
    due = due_date or add_working_days(at, DEFAULT_SUPPLEMENT_DAYS)
    require(due >= timezone.localdate(at), gettext("The supplement deadline is in the past."), "invalid_date")
    before = before_of(dossier)
    dossier.supplement_items = items
    dossier.supplement_due_date = due
    dossier.supplement_requested_at = at
    dossier.supplement_count += 1
    move(
        dossier,
        State.SUPPLEMENT_REQUESTED,
        actor=actor,
        source=source,
        at=at,
        kind=EventKind.SUPPLEMENT_REQUESTED,
        note=nfc(note).strip(),
        data={"missing": items, "due_date": str(due)},
    )
    audit(actor, "dossier.request_supplement", dossier, before, missing="; ".join(items))
    return dossier


@transaction.atomic
def dossier_supplement_received(
    *, actor, dossier: Dossier, note: str = "", source: str = EventSource.DESK, at: dt.datetime | None = None
) -> Dossier:
    """The supplement completes the dossier: the clock restarts from zero (Decree 61/2018 Art. 19.4), so the due
    date is counted again from now. The dossier then waits in 'supplemented' until processing resumes."""
    check_actor_scope(actor, dossier, _capability(source))
    dossier = lock(dossier)
    at = at or timezone.now()
    before = before_of(dossier)
    previous_due = dossier.due_date
    dossier.clock_started_at = at
    dossier.due_date = due_date_from(at, dossier.procedure)
    move(
        dossier,
        State.SUPPLEMENTED,
        actor=actor,
        source=source,
        at=at,
        kind=EventKind.SUPPLEMENT_RECEIVED,
        note=nfc(note).strip(),
        data={"previous_due_date": str(previous_due or ""), "due_date": str(dossier.due_date)},
    )
    audit(actor, "dossier.supplement_received", dossier, before)
    return dossier


def apology_window_opens(due_date: dt.date) -> dt.date:
    """The last working day before the due date: from then on the dossier is at risk and the apology slip may
    (and should) be issued (Decree 61/2018 Art. 19.9: at least one day before the deadline)."""
    day = due_date - dt.timedelta(days=1)
    for _ in range(60):
        if is_working_day(day):
            return day
        day -= dt.timedelta(days=1)
    return due_date - dt.timedelta(days=1)


def is_at_risk(dossier: Dossier, today: dt.date | None = None) -> bool:
    """The clock runs and the due date is the next working day or earlier (today, or already passed)."""
    today = today or timezone.localdate()
    return (
        dossier.state in CLOCK_STATES
        and dossier.due_date is not None
        and today >= apology_window_opens(dossier.due_date)
    )


@transaction.atomic
def dossier_issue_apology(
    *,
    actor,
    dossier: Dossier,
    new_due_date: dt.date,
    reason: str,
    source: str = EventSource.CONSOLE,
    at: dt.datetime | None = None,
) -> Dossier:
    """Form 04 (Phiếu xin lỗi và hẹn lại ngày trả kết quả): at most once per dossier, only when the dossier is at
    risk (one working day before the due date, or late), with a reason and a later date on a working day."""
    reason = nfc(reason).strip()
    require(bool(reason), gettext("Give the reason for the delay."), "reason_required")
    check_actor_scope(actor, dossier, "dossiers.process")
    dossier = lock(dossier)
    at = at or timezone.now()
    if dossier.apology_issued_at is not None:
        raise ApplicationError(
            gettext("An apology was already issued for %(code)s on %(date)s: the date can be moved only once.")
            % {"code": dossier.receipt_code, "date": f"{timezone.localdate(dossier.apology_issued_at):%d/%m/%Y}"},
            code="apology_already_issued",
        )
    today = timezone.localdate(at)
    if not is_at_risk(dossier, today):
        raise ApplicationError(
            gettext(
                "Dossier %(code)s is not at risk: the apology slip is issued from the working day before the due "
                "date (%(date)s)."
            )
            % {"code": dossier.receipt_code, "date": f"{dossier.due_date:%d/%m/%Y}"}
            if dossier.due_date
            else gettext("No due date yet."),
            code="not_at_risk",
        )
    require(
        new_due_date > max(dossier.due_date, today),
        gettext("The new date must be after the current due date and today."),
    )
    before = before_of(dossier)
    dossier.apology_issued_at = at
    dossier.apology_reason = reason
    dossier.apology_previous_due_date = dossier.due_date
    dossier.apology_new_due_date = new_due_date
    dossier.due_date = new_due_date
    dossier.save()
    event = record_event(
        dossier=dossier,
        kind=EventKind.APOLOGY,
        actor=actor,
        source=source,
        note=reason,
        occurred_at=at,
        data={"previous_due_date": str(dossier.apology_previous_due_date), "new_due_date": str(new_due_date)},
    )
    notify_citizen(dossier=dossier, event=event, kind=NotificationKind.APOLOGY)
    audit(actor, "dossier.apology", dossier, before, reason=reason)
    return dossier


@transaction.atomic
def apology_prompt_dismiss(*, actor, prompt) -> None:
    """An officer decides no apology is needed (e.g. the result will be ready on time)."""
    check_actor_scope(actor, prompt.dossier, "dossiers.process")
    prompt.dismissed_at = timezone.now()
    prompt.dismissed_by = as_actor(actor).user
    prompt.save(update_fields=["dismissed_at", "dismissed_by"])
    audit(actor, "dossier.apology_prompt_dismiss", prompt.dossier, None, due_date=prompt.due_date)


@transaction.atomic
def dossier_result_ready(
    *,
    actor,
    dossier: Dossier,
    collection_place: str = "",
    collection_note: str = "",
    result_file=None,
    note: str = "",
    source: str = EventSource.CONSOLE,
    at: dt.datetime | None = None,
) -> Dossier:
    """The result is at the desk (code 9): tell the citizen where and how to collect it (or that the post brings
    it, when postal return is registered). `result_file` is the signed electronic result, where one is issued."""
    check_actor_scope(actor, dossier, _capability(source))
    dossier = lock(dossier)
    at = at or timezone.now()
    before = before_of(dossier)
    place = nfc(collection_place).strip()
    if not place:
        place = (
            f"{dossier.desk.name}, {dossier.receiving_agency.name}" if dossier.desk else dossier.receiving_agency.name
        )
    dossier.collection_place = place[:300]
    dossier.collection_note = nfc(collection_note).strip()[:500]
    if dossier.postal_registered_at and not dossier.collection_note:
        dossier.collection_note = f"Kết quả sẽ được gửi qua bưu điện đến: {dossier.postal_address}."
    dossier.result_ready_at = at
    if result_file is not None:  # judged by its bytes: a PDF, served to the citizen behind the token only
        dossier.result_file = check_upload(
            result_file, max_bytes=RESULT_MAX_BYTES, name=dossier.receipt_code, allowed={"application/pdf": "pdf"}
        ).as_file()
    move(
        dossier,
        State.RESULT_READY,
        actor=actor,
        source=source,
        at=at,
        kind=EventKind.RESULT_READY,
        note=nfc(note).strip(),
        data={"collection_place": dossier.collection_place, "electronic_result": bool(dossier.result_file)},
    )
    audit(actor, "dossier.result_ready", dossier, before)
    return dossier


@transaction.atomic
def dossier_return_result(
    *,
    actor,
    dossier: Dossier,
    collected_by: str = "",
    note: str = "",
    source: str = EventSource.DESK,
    at: dt.datetime | None = None,
) -> Dossier:
    """Handed over at the desk, by post, or electronically (code 10). Says who collected: the applicant or the
    authorized person."""
    check_actor_scope(actor, dossier, "dossiers.intake" if source == EventSource.DESK else "dossiers.process")
    dossier = lock(dossier)
    at = at or timezone.now()
    before = before_of(dossier)
    dossier.result_returned_at = at
    who = nfc(collected_by).strip() or (
        "postal" if dossier.postal_registered_at else dossier.authorized_name or dossier.applicant_name
    )
    move(
        dossier,
        State.RESULT_RETURNED,
        actor=actor,
        source=source,
        at=at,
        kind=EventKind.RESULT_RETURNED,
        note=nfc(note).strip(),
        data={"collected_by": who},
    )
    audit(actor, "dossier.return_result", dossier, before)
    return dossier
