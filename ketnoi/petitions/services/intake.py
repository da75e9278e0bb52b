"""Taking a petition in, from the portal form, the chat flow, the integration API and Open311: checked, routed to
the competent agency, given its working-day deadlines and a tracking code, acknowledged to the petitioner."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.core.actor import as_actor
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.core.phones import InvalidPhoneNumber, normalize_phone
from ketnoi.core.text import nfc
from ketnoi.core.uploads import STORAGE_SCHEME, CheckedFile, check_file, check_upload, display_name, read_stored
from ketnoi.core.urls import clean_http_url
from ketnoi.orgs.models import AdministrativeUnit
from ketnoi.orgs.scoping import scope_of

from ..codes import new_tracking_code, normalize_tax_code
from ..deadlines import intake_deadlines
from ..models import EventKind, Petition, PetitionAttachment, PetitionCategory, PetitionerType, Source
from ..notify import notify_petitioner
from ..routing import route
from .common import audit, record_event

MAX_TEXT = 5000
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
WEBCHAT_UPLOADS = "webchat/"  # where the web chat keeps what visitors send (channels.types.webchat)


@dataclass
class Petitioner:
    name: str
    type: str = PetitionerType.CITIZEN
    phone: str = ""
    email: str = ""
    address: str = ""
    business_name: str = ""
    tax_code: str = ""
    language: str = "vi"


@dataclass
class Attachment:
    """A chat photo (url) or an uploaded file (file, a Django UploadedFile)."""

    url: str = ""
    file: Any = None
    name: str = ""
    content_type: str = ""


@dataclass
class Location:
    text: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class Origin:
    source: str = Source.WEB
    channel_contact: Any = None
    external_system: str = ""
    external_id: str = ""
    attachments: list[Attachment] = field(default_factory=list)


def _clean_petitioner(petitioner: Petitioner) -> Petitioner:
    name = " ".join(nfc(petitioner.name).split())
    if not name:
        raise ApplicationError(_("Give the petitioner's name."), code="name_required")
    kind = petitioner.type if petitioner.type in PetitionerType.values else None
    if kind is None:
        raise ApplicationError(_("The petitioner is a citizen or a business."), code="invalid_petitioner_type")
    phone = ""
    if petitioner.phone.strip():
        try:
            phone = normalize_phone(petitioner.phone)
        except InvalidPhoneNumber as exc:
            raise ApplicationError(str(exc), code="invalid_phone") from exc
    email = petitioner.email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ApplicationError(
                _("'%(email)s' is not an e-mail address.") % {"email": email}, code="invalid_email"
            ) from exc
    tax_code, business_name = "", ""
    if kind == PetitionerType.BUSINESS:
        business_name = " ".join(nfc(petitioner.business_name).split())
        if not business_name:
            raise ApplicationError(_("Give the business's name."), code="business_name_required")
        if not petitioner.tax_code.strip():
            raise ApplicationError(_("Give the business's tax code."), code="tax_code_required")
        tax_code = normalize_tax_code(petitioner.tax_code)
    return Petitioner(
        name=name[:200],
        type=kind,
        phone=phone,
        email=email,
        address=nfc(petitioner.address).strip()[:300],
        business_name=business_name[:200],
        tax_code=tax_code,
        language=petitioner.language if petitioner.language in ("vi", "en") else "vi",
    )


def _check_area(category: PetitionCategory, area: AdministrativeUnit, actor) -> None:
    if not category.is_active:
        raise ApplicationError(
            _("The category '%(category)s' no longer takes petitions.") % {"category": category.name},
            code="inactive_category",
        )
    if not area.is_current:
        raise ApplicationError(
            _("%(area)s no longer exists; choose the current unit.") % {"area": area.name}, code="unit_not_current"
        )
    if not area.path.startswith(category.unit.path):
        raise ApplicationError(
            _("The category '%(category)s' is not used in %(area)s.") % {"category": category.name, "area": area.name},
            code="wrong_category",
        )
    if as_actor(actor).is_api_client and not scope_of(actor).covers_path(area.path):
        raise NotPermitted(f"{area.name} is outside this client's unit.")


def _checked_attachment(item: Attachment) -> tuple[str, CheckedFile | None, str]:
    """(url, checked file, name): an upload or a web chat file judged by its bytes and kept privately; a provider's
    photo kept as its http(s) URL (anything else, e.g. javascript:, is refused)."""
    if item.file is not None:
        checked = check_upload(item.file, max_bytes=MAX_ATTACHMENT_BYTES, name=item.name)
    elif item.url.startswith(STORAGE_SCHEME):
        content = read_stored(item.url, prefix=WEBCHAT_UPLOADS, max_bytes=MAX_ATTACHMENT_BYTES)
        checked = check_file(content, name=item.name or item.url.rsplit("/", 1)[-1])
    else:
        url = clean_http_url(item.url)
        return url, None, (item.name or url.rsplit("/", 1)[-1])[:200]
    return "", checked, display_name(item.name, checked)


def _tracking_code(received_at: dt.datetime) -> str:
    for _attempt in range(10):
        code = new_tracking_code(received_at)
        if not Petition.objects.filter(tracking_code=code).exists():
            return code
    raise ApplicationError(_("Could not allocate a tracking code; try again."), code="code_exhausted")


@transaction.atomic
def petition_submit(
    *,
    category: PetitionCategory,
    area: AdministrativeUnit,
    subject: str,
    text: str,
    petitioner: Petitioner,
    location: Location | None = None,
    origin: Origin | None = None,
    consent_to_publish: bool = True,
    actor=None,
    received_at: dt.datetime | None = None,
) -> Petition:
    """File a petition. Returns it routed, with deadlines and a tracking code; the petitioner is acknowledged.
    The same (external system, external id) returns the petition already filed (API retries are harmless)."""
    origin = origin or Origin()
    location = location or Location()
    if origin.external_id:
        existing = Petition.objects.filter(
            external_system=origin.external_system, external_id=origin.external_id
        ).first()
        if existing is not None:
            return existing
    text = nfc(text).strip()
    subject = " ".join(nfc(subject).split()) or " ".join(text.split())[:120]
    if not text:
        raise ApplicationError(_("Describe the problem or the question."), code="text_required")
    if len(text) > MAX_TEXT:
        raise ApplicationError(
            _("The text is too long (%(length)s characters; at most %(max)s).")
            % {"length": len(text), "max": MAX_TEXT},
            code="too_long",
        )
    if len(origin.attachments) > MAX_ATTACHMENTS:
        raise ApplicationError(
            _("At most %(max)s photos or files.") % {"max": MAX_ATTACHMENTS}, code="too_many_attachments"
        )
    if (location.latitude is None) != (location.longitude is None):
        raise ApplicationError(_("Give both latitude and longitude, or neither."), code="invalid_location")
    petitioner = _clean_petitioner(petitioner)
    files = [_checked_attachment(item) for item in origin.attachments]
    _check_area(category, area, actor)
    received_at = received_at or timezone.now()
    agency, rule = route(category=category, area=area)
    person = origin.channel_contact
    petition = Petition(
        tracking_code=_tracking_code(received_at),
        source=origin.source,
        external_system=origin.external_system,
        external_id=origin.external_id,
        petitioner_type=petitioner.type,
        petitioner_name=petitioner.name,
        petitioner_phone=petitioner.phone,
        petitioner_email=petitioner.email,
        petitioner_address=petitioner.address,
        business_name=petitioner.business_name,
        tax_code=petitioner.tax_code,
        language=petitioner.language,
        channel=person.channel if person is not None else None,
        channel_contact=person,
        category=category,
        subject=subject[:200],
        text=text,
        location_text=nfc(location.text).strip()[:300],
        latitude=location.latitude,
        longitude=location.longitude,
        area=area,
        consent_to_publish=consent_to_publish,
        unit=agency.unit,
        owner_agency=agency,
        received_at=received_at,
        **intake_deadlines(category, received_at),
    )
    petition.save()
    for url, checked, name in files:
        PetitionAttachment.objects.create(
            petition=petition,
            url=url,
            file=checked.as_file() if checked else "",
            name=name,
            content_type=checked.content_type if checked else "",
        )
    event = record_event(
        petition=petition,
        kind=EventKind.RECEIVED,
        actor=actor,
        to_state=petition.state,
        data={"source": origin.source},
        occurred_at=received_at,
        petitioner=actor is None,
    )
    record_event(
        petition=petition,
        kind=EventKind.ROUTED,
        actor=None,
        to_state=petition.state,
        note=str(rule) if rule else f"{agency.name} (mặc định: trung tâm phục vụ hành chính công của địa bàn)",
        data={"agency": agency.code, "rule": rule.pk if rule else None},
        occurred_at=received_at,
    )
    audit(actor=actor, action="petition.submit", petition=petition, before=None)
    notify_petitioner(petition=petition, event=event, kind=EventKind.RECEIVED)
    return petition
