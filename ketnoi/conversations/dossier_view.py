"""How the chat shows a dossier, and whether this person may act on it.

Anyone with the code sees the public status (no personal data), as on the portal's lookup by code. Acting on a
dossier (documents, postal delivery, authorization, rating) needs the person to be linked to it: by the receipt
QR, by code + the phone's last digits, or by a verified phone equal to the applicant's.
"""

from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _

from ketnoi.contacts.models import ChannelContact
from ketnoi.core.prepared import PreparedRead
from ketnoi.dossiers.models import Dossier, DossierLink, DossierRating
from ketnoi.dossiers.selectors import missing_items
from ketnoi.dossiers.states import BEFORE_COLLECTION, State, state_label

from .registry import Choice

_LINKED = PreparedRead(
    lambda channel_contact_id, contact_id, dossier_id: DossierLink.objects.filter(
        Q(channel_contact_id=channel_contact_id) | Q(contact_id=contact_id), dossier_id=dossier_id, is_active=True
    ).values_list("pk", flat=True)[:1],
    channel_contact_id=int,
    contact_id=int,
    dossier_id=int,
)


def is_linked(channel_contact: ChannelContact, dossier: Dossier) -> bool:
    contact = channel_contact.contact
    if contact.phone and dossier.applicant_phone == contact.phone:
        return True
    return bool(_LINKED.rows(channel_contact_id=channel_contact.pk, contact_id=contact.pk, dossier_id=dossier.pk))


def dossier_by_uuid(uuid: str) -> Dossier | None:
    try:
        return Dossier.objects.select_related("procedure", "receiving_agency", "unit").filter(uuid=uuid).first()
    except (ValueError, TypeError):
        return None


def _date(value) -> str:
    return formats.date_format(value, "d/m/Y") if value else ""


def status_text(dossier: Dossier, language: str, *, full: bool = True) -> str:
    """The dossier as the chat shows it. `full=False` for a person not linked to it (anyone who typed the code):
    the status and dates only, never what the citizen was told is missing, where to collect, or who collects."""
    lines = [
        _("Dossier %(code)s") % {"code": dossier.receipt_code},
        _("Procedure: %(name)s") % {"name": dossier.procedure.name},
        _("Status: %(status)s") % {"status": state_label(dossier.state, language)},
    ]
    if dossier.due_date and dossier.state not in (State.RESULT_RETURNED, State.WITHDRAWN, State.REFUSED):
        lines.append(_("Due date: %(date)s") % {"date": _date(dossier.due_date)})
    missing = missing_items(dossier)
    if missing and full:
        lines.append(_("Missing documents:"))
        lines += [f"- {item}" for item in missing]
    elif missing:
        lines.append(_("Some documents are missing: link this dossier to see which."))
    if dossier.state == State.RESULT_READY:
        place = dossier.collection_place or dossier.receiving_agency.name
        lines.append(_("Collect the result at: %(place)s") % {"place": place})
    if not full:
        return "\n".join(lines)
    if dossier.postal_registered_at:
        lines.append(_("Result by post to: %(address)s") % {"address": dossier.postal_address})
    if dossier.authorized_registered_at:
        lines.append(_("Authorized to collect: %(name)s") % {"name": dossier.authorized_name})
    return "\n".join(lines)


def action_choices(dossier: Dossier) -> list[Choice]:
    """What the linked citizen can do with the dossier now."""
    uuid = dossier.uuid.hex
    choices = []
    if dossier.state == State.SUPPLEMENT_REQUESTED:
        choices.append(Choice(_("Send the documents"), f"#dossier.supplement:{uuid}"))
    if (
        dossier.state in BEFORE_COLLECTION
        and dossier.procedure.allows_postal_return
        and not dossier.postal_registered_at
    ):
        choices.append(Choice(_("Result by post"), f"#dossier.postal:{uuid}"))
    if dossier.state in BEFORE_COLLECTION and dossier.procedure.allows_authorization:
        choices.append(Choice(_("Authorize someone"), f"#dossier.authorize:{uuid}"))
    if dossier.state == State.RESULT_RETURNED and not DossierRating.objects.filter(dossier=dossier).exists():
        choices.append(Choice(_("Rate the service"), f"#dossier.rate:{uuid}"))
    return choices
