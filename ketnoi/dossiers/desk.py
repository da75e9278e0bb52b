"""Desk intake as the console does it (owned by the console pages of issue 4, built on services.intake).

The receiving agency and desk come from the officer's membership. Form 01 lists the documents received; the
domain has no field for them yet, so they are kept in the history, in the data of one event recorded in the
same transaction as the intake (see `documents_received`).
"""

from django.db import transaction
from django.db.models import F

from ketnoi.core.text import nfc
from ketnoi.orgs.models import Membership
from ketnoi.orgs.roles import Role
from ketnoi.procedures.models import Procedure
from ketnoi.procedures.selectors import competent_agency

from .models import Dossier, EventKind, EventSource
from .services.common import record_event
from .services.intake import dossier_receive

DOCUMENTS_KEY = "documents_received"


def desk_of(user) -> Membership | None:
    """The officer's desk membership: a desk officer's membership naming an agency (the desk when one is set)."""
    if not getattr(user, "is_authenticated", False):
        return None
    memberships = Membership.objects.filter(
        user=user, role=Role.DESK_OFFICER, is_active=True, agency__isnull=False, unit__valid_to__isnull=True
    ).select_related("agency", "agency__unit", "desk", "unit")
    return memberships.order_by(F("desk_id").asc(nulls_last=True), "created_at").first()


@transaction.atomic
def dossier_receive_at_desk(
    *,
    actor,
    membership: Membership,
    procedure: Procedure,
    applicant_name: str,
    applicant_phone: str = "",
    applicant_id_number: str = "",
    applicant_address: str = "",
    applicant_type: str = "citizen",
    channel: str = "in_person",
    documents_received: list[str] | None = None,
    notes: str = "",
) -> Dossier:
    agency = membership.agency
    dossier = dossier_receive(
        actor=actor,
        procedure=procedure,
        receiving_agency=agency,
        desk=membership.desk,
        competent_agency=competent_agency(procedure, agency.unit),
        applicant_name=applicant_name,
        applicant_phone=applicant_phone,
        applicant_id_number=applicant_id_number,
        applicant_address=applicant_address,
        applicant_type=applicant_type,
        channel=channel,
        summary=notes,
        source=EventSource.DESK,
    )
    documents = [nfc(d).strip() for d in (documents_received or []) if nfc(d).strip()]
    record_event(
        dossier=dossier,
        kind=EventKind.ATTACHMENT,
        actor=actor,
        source=EventSource.DESK,
        occurred_at=dossier.received_at,
        note="; ".join(documents),
        data={DOCUMENTS_KEY: documents},
    )
    return dossier


def documents_received(dossier: Dossier) -> list[dict]:
    """[{name, copies}] as checked at the desk, with the copies the procedure asks for."""
    event = dossier.events.filter(kind=EventKind.ATTACHMENT, data__has_key=DOCUMENTS_KEY).order_by("id").first()
    if event is None:
        return []
    copies = {d.get("name"): d.get("copies") or 1 for d in dossier.procedure.documents}
    return [{"name": name, "copies": copies.get(name, 1)} for name in event.data[DOCUMENTS_KEY]]
