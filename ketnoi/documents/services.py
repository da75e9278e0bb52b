"""Writes of documents to process. The document-management system pushes what it assigned (POST
/api/v1/documents); each newly assigned official is told on the internal channel (console notice + internal OA,
broadcasts.document_notify); the scheduled job reminds each open assignment once before its deadline.

Path: DMS ── POST /api/v1/documents (api/endpoints/documents.py) → documents_receive (here, one transaction per
document: the rows, the audit entry, the notices' outbox rows) → run_dispatcher → the official's internal OA.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ketnoi.broadcasts.services import document_notify
from ketnoi.core.audit import audit_record, snapshot
from ketnoi.core.errors import ApplicationError
from ketnoi.core.workdays import add_working_days
from ketnoi.orgs.models import AdministrativeUnit

from .models import Assignment, AssignmentState, Document

MAX_BATCH = 500
REMIND_WORKING_DAYS = 1  # an open document is reminded once when its deadline is this many working days away
FIELDS = ("number", "title", "deadline", "link", "is_done")


@dataclass
class DocumentData:
    """One document as the document-management system sends it."""

    external_id: str
    number: str
    title: str
    link: str
    assignees: list[str] = field(default_factory=list)  # console user names or e-mail addresses
    deadline: dt.date | None = None
    done: bool = False


@dataclass
class DocumentResult:
    index: int
    external_id: str
    status: str  # created, updated, unchanged, error
    code: str = ""
    message: str = ""
    notified: list[str] = field(default_factory=list)


def _label(document: Document) -> str:
    return f"{document.number}: {document.title}"


def _day(value: dt.date | None) -> str:
    return formats.date_format(value, "d/m/Y") if value else ""


def _officials(unit: AdministrativeUnit, names: list[str]) -> list:
    """The assignees, each an active official with an active membership in the sending system's unit or below it."""
    wanted = [n.strip() for n in names if n.strip()]
    if not wanted:
        raise ApplicationError(_("A document needs at least one assignee."), code="no_assignee")
    users = get_user_model().objects.filter(
        is_active=True, memberships__is_active=True, memberships__unit__path__startswith=unit.path
    )
    found, missing = [], []
    for name in dict.fromkeys(wanted):
        user = users.filter(Q(username__iexact=name) | Q(email__iexact=name)).distinct().first() if name else None
        (found if user else missing).append(user or name)
    if missing:
        raise ApplicationError(
            _("Unknown assignee in %(unit)s: %(names)s.") % {"unit": unit.name, "names": ", ".join(missing)},
            code="unknown_assignee",
            extra={"assignees": missing},
        )
    return found


def _check(item: DocumentData) -> None:
    if not item.external_id.strip() or len(item.external_id) > 100:
        raise ApplicationError(_("A document needs its id (1 to 100 characters)."), code="bad_id")
    if not item.number.strip() or not item.title.strip():
        raise ApplicationError(_("A document needs its number and its title."), code="no_title")
    if not item.link.startswith(("https://", "http://")):
        raise ApplicationError(_("The link must be an http(s) address."), code="bad_link")


def _tell(assignment: Assignment, document: Document, *, today: dt.date | None = None) -> None:
    """Assigned (no `today`), or a reminder of the deadline as seen on `today` (due soon, or overdue)."""
    what = f"due:{document.deadline:%Y%m%d}" if today else "assigned"
    document_notify(
        official=assignment.official,
        document_label=_label(document),
        due_label=_day(document.deadline),
        key=f"document:{document.uuid.hex}:{what}:{assignment.official_id}",
        url=reverse("console:document_list"),
        link=document.link,
        reminder=today is not None,
        overdue=bool(today and document.deadline < today),
    )


@transaction.atomic
def _receive_one(*, unit: AdministrativeUnit, system: str, client_label: str, item: DocumentData) -> DocumentResult:
    _check(item)
    officials = _officials(unit, item.assignees)
    document = Document.objects.select_for_update().filter(external_system=system, external_id=item.external_id).first()
    created = document is None
    before = {} if created else snapshot(document, FIELDS)
    if created:
        document = Document(unit=unit, external_system=system, external_id=item.external_id)
    document.number, document.title = item.number.strip()[:60], item.title.strip()[:500]
    document.deadline, document.link, document.is_done = item.deadline, item.link[:500], item.done
    after = snapshot(document, FIELDS)
    changed = created or after != before
    if changed:
        document.updated_at = timezone.now()
        document.save()
    current = {a.official_id: a for a in document.assignments.select_related("official")}
    state = AssignmentState.DONE if item.done else AssignmentState.OPEN
    notified = []
    for official in officials:
        assignment = current.pop(official.pk, None)
        if assignment is None:
            assignment = Assignment.objects.create(document=document, official=official, state=state)
            changed = True
            if state == AssignmentState.OPEN:
                _tell(assignment, document)
                notified.append(official.get_username())
        elif assignment.state != state:
            assignment.state = state
            assignment.save(update_fields=["state"])
            changed = True
    for gone in current.values():  # no longer in the list: withdrawn, not deleted (the notice was sent)
        if gone.state != AssignmentState.WITHDRAWN:
            gone.state = AssignmentState.WITHDRAWN
            gone.save(update_fields=["state"])
            changed = True
    if changed:
        audit_record(
            actor=None,
            action="documents.receive",
            target=document,
            unit_path=unit.path,
            before=before,
            after={**after, "system": client_label, "assignees": [o.get_username() for o in officials]},
        )
    status = "created" if created else "updated" if changed else "unchanged"
    return DocumentResult(index=0, external_id=item.external_id, status=status, notified=notified)


def documents_receive(
    *, unit: AdministrativeUnit, system: str, client_label: str, items: list[DocumentData]
) -> list[DocumentResult]:
    """Create or update each document by its id in the sending system, one transaction each: a document with a
    problem (an unknown assignee, no title) is answered with the reason and the others are kept."""
    if len(items) > MAX_BATCH:
        raise ApplicationError(_("At most %(n)s documents per request.") % {"n": MAX_BATCH}, code="batch_too_large")
    results = []
    for index, item in enumerate(items):
        try:
            result = _receive_one(unit=unit, system=system, client_label=client_label, item=item)
        except ApplicationError as exc:
            result = DocumentResult(index=0, external_id=item.external_id, status="error", code=exc.code,
                                    message=exc.message)  # fmt: skip
        result.index = index
        results.append(result)
    return results


def remind_due_documents(today: dt.date | None = None) -> int:
    """Scheduled job: each open assignment whose deadline is at most REMIND_WORKING_DAYS working days away (or
    past) is reminded once for that deadline; a changed deadline is reminded again. Returns how many."""
    today = today or timezone.localdate()
    horizon = add_working_days(today, REMIND_WORKING_DAYS)
    due = Assignment.objects.filter(
        state=AssignmentState.OPEN, document__is_done=False, document__deadline__lte=horizon
    ).exclude(reminded_for=F("document__deadline"))
    sent = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            assignment = (
                Assignment.objects.select_for_update(of=("self",))
                .select_related("document", "official")
                .filter(pk=pk, state=AssignmentState.OPEN)
                .first()
            )
            document = assignment.document if assignment else None
            if document is None or document.deadline is None or assignment.reminded_for == document.deadline:
                continue
            _tell(assignment, document, today=today)
            assignment.reminded_for = document.deadline
            assignment.save(update_fields=["reminded_for"])
            sent += 1
    return sent
