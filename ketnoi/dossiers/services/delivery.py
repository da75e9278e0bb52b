"""Around the result: postal delivery (QĐ 45/2016), an authorized collector, supplementary documents from the
citizen, and the citizen's rating after return (Circular 01/2018)."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.core.actor import as_actor
from ketnoi.core.errors import ApplicationError
from ketnoi.core.text import nfc
from ketnoi.core.uploads import check_upload, display_name

from ..models import (
    AttachmentStatus,
    Dossier,
    DossierAttachment,
    DossierRating,
    EventKind,
    EventSource,
    RatingMethod,
)
from ..protect import protect_id_number
from ..states import BEFORE_COLLECTION, State
from .common import audit, before_of, check_actor_scope, lock, record_event, require
from .intake import clean_phone

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
CIRCULAR_01_INDICATORS = [str(n) for n in range(1, 10)]


def postal_fee_for(dossier: Dossier) -> int:
    """The fee shown before registering (đồng): the public postal tariff for a result packet; one flat figure
    per installation (settings.DOSSIER_POSTAL_FEE) until the postal operator's tariff is connected."""
    return int(getattr(settings, "DOSSIER_POSTAL_FEE", 32000))


@transaction.atomic
def dossier_register_postal(
    *,
    actor,
    dossier: Dossier,
    address: str,
    source: str = EventSource.CITIZEN,
    at: dt.datetime | None = None,
) -> Dossier:
    """The citizen asks for the result by post, at any time before collection, where the procedure allows it."""
    check_actor_scope(actor, dossier, "dossiers.intake")
    dossier = lock(dossier)
    address = nfc(address).strip()
    require(len(address) >= 10, _("Give the full delivery address."), "address_required")
    if not dossier.procedure.allows_postal_return:
        raise ApplicationError(
            _("Procedure %(code)s does not allow returning the result by post.") % {"code": dossier.procedure.code},
            code="postal_not_allowed",
        )
    if dossier.state not in BEFORE_COLLECTION:
        raise ApplicationError(
            _("Dossier %(code)s is “%(state)s”: too late to register postal delivery.")
            % {"code": dossier.receipt_code, "state": State(dossier.state).label},
            code="too_late",
        )
    at = at or timezone.now()
    before = before_of(dossier)
    dossier.postal_address = address[:300]
    dossier.postal_fee = postal_fee_for(dossier)
    dossier.postal_registered_at = at
    dossier.save()
    record_event(
        dossier=dossier,
        kind=EventKind.POSTAL,
        actor=actor,
        source=source,
        occurred_at=at,
        data={"address": dossier.postal_address, "fee": dossier.postal_fee},
    )
    audit(actor, "dossier.register_postal", dossier, before, fee=dossier.postal_fee)
    return dossier


@transaction.atomic
def dossier_authorize_collector(
    *,
    actor,
    dossier: Dossier,
    name: str,
    id_number: str,
    phone: str = "",
    source: str = EventSource.CITIZEN,
    at: dt.datetime | None = None,
) -> Dossier:
    """Another person may collect the result, where the procedure allows authorization (not for procedures
    that require personal presence, e.g. marriage registration)."""
    check_actor_scope(actor, dossier, "dossiers.intake")
    dossier = lock(dossier)
    name = nfc(name).strip()
    require(bool(name), _("Give the authorized person's name."), "name_required")
    if not dossier.procedure.allows_authorization:
        raise ApplicationError(
            _("Procedure %(code)s requires the applicant in person: no authorization.")
            % {"code": dossier.procedure.code},
            code="authorization_not_allowed",
        )
    if dossier.state not in BEFORE_COLLECTION:
        raise ApplicationError(_("Dossier %(code)s is closed.") % {"code": dossier.receipt_code}, code="too_late")
    encrypted, _hash, masked = protect_id_number(id_number)
    require(bool(encrypted), _("Give the authorized person's ID number."), "id_number_required")
    at = at or timezone.now()
    before = before_of(dossier)
    dossier.authorized_name = name[:200]
    dossier.authorized_id_encrypted = encrypted
    dossier.authorized_id_masked = masked
    dossier.authorized_phone = clean_phone(phone)
    dossier.authorized_registered_at = at
    dossier.save()
    record_event(
        dossier=dossier,
        kind=EventKind.AUTHORIZATION,
        actor=actor,
        source=source,
        occurred_at=at,
        data={"name": dossier.authorized_name, "id_number": masked},
    )
    audit(actor, "dossier.authorize_collector", dossier, before, authorized_name=name, authorized_id=masked)
    return dossier


@transaction.atomic
def dossier_attach_supplement(
    *, dossier: Dossier, file, name: str = "", source: str = EventSource.CITIZEN, actor=None
) -> DossierAttachment:
    """A photo or PDF the citizen sends while a supplement is asked for; waits for an officer's review. The file
    is judged by its bytes (core.uploads: a photo is re-encoded), stored with its real type and extension, and
    kept private: officials in scope open it through the console."""
    checked = check_upload(file, max_bytes=ATTACHMENT_MAX_BYTES, name=getattr(file, "name", "") or name)
    dossier = lock(dossier)
    if dossier.state not in (State.SUPPLEMENT_REQUESTED, State.SUBMITTED, State.RECEIVED, State.SUPPLEMENTED):
        raise ApplicationError(
            _("Dossier %(code)s is not waiting for documents.") % {"code": dossier.receipt_code},
            code="not_waiting_for_documents",
        )
    attachment = DossierAttachment.objects.create(
        dossier=dossier,
        file=checked.as_file(),
        name=display_name(nfc(name).strip(), checked),
        content_type=checked.content_type,
        size=len(checked.content),
        source=source,
    )
    record_event(
        dossier=dossier,
        kind=EventKind.ATTACHMENT,
        actor=actor,
        source=source,
        data={"attachment": str(attachment.uuid), "name": attachment.name},
    )
    return attachment


@transaction.atomic
def dossier_review_attachment(*, actor, attachment: DossierAttachment, accept: bool, note: str = "") -> None:
    """An officer accepts or rejects a document the citizen sent (a reason is required to reject)."""
    dossier = attachment.dossier
    check_actor_scope(actor, dossier, "dossiers.view")
    attachment = DossierAttachment.objects.select_for_update().get(pk=attachment.pk)
    require(attachment.status == AttachmentStatus.PENDING, _("This document was already reviewed."), "already_reviewed")
    note = nfc(note).strip()
    require(accept or bool(note), _("Say why the document is rejected."), "reason_required")
    attachment.status = AttachmentStatus.ACCEPTED if accept else AttachmentStatus.REJECTED
    attachment.reviewed_by = as_actor(actor).user
    attachment.reviewed_at = timezone.now()
    attachment.review_note = note[:500]
    attachment.save()
    record_event(
        dossier=dossier,
        kind=EventKind.ATTACHMENT_REVIEWED,
        actor=actor,
        source=EventSource.CONSOLE,
        note=note,
        data={"attachment": str(attachment.uuid), "status": attachment.status},
    )
    audit(actor, "dossier.review_attachment", dossier, None, attachment=attachment.name, status=attachment.status)


@transaction.atomic
def dossier_rate(
    *,
    dossier: Dossier,
    indicators: dict[str, int] | None = None,
    stars: int | None = None,
    comment: str = "",
    officer=None,
    source: str = EventSource.CITIZEN,
) -> DossierRating:
    """After return: either the nine Circular 01/2018 indicators (0, 1 or 2 each) or a quick 1-5 with a comment.
    One rating per dossier and officer (the officer who returned the result, unless given)."""
    dossier = lock(dossier)
    if dossier.state != State.RESULT_RETURNED:
        raise ApplicationError(_("A dossier is rated after its result is returned."), code="not_returned")
    if (indicators is None) == (stars is None):
        raise ApplicationError(_("Rate with the nine indicators or with 1-5 stars (one of the two)."))
    if indicators is not None:
        clean = {str(k): v for k, v in indicators.items()}
        if sorted(clean) != sorted(CIRCULAR_01_INDICATORS) or any(v not in (0, 1, 2) for v in clean.values()):
            raise ApplicationError(_("Give indicators 1 to 9, each scored 0, 1 or 2."), code="invalid_rating")
        method, stars_value = RatingMethod.CIRCULAR_01, None
    else:
        require(stars in (1, 2, 3, 4, 5), _("Stars go from 1 to 5."), "invalid_rating")
        clean, method, stars_value = {}, RatingMethod.QUICK, stars
    if officer is None:
        last = dossier.events.filter(to_state=State.RESULT_RETURNED).exclude(actor=None).order_by("-id").first()
        officer = last.actor if last else dossier.received_by
    if DossierRating.objects.filter(dossier=dossier, officer=officer).exists():
        raise ApplicationError(_("This dossier was already rated."), code="already_rated")
    rating = DossierRating.objects.create(
        dossier=dossier,
        officer=officer,
        method=method,
        indicators=clean,
        stars=stars_value,
        comment=nfc(comment).strip(),
        source=source,
    )
    record_event(dossier=dossier, kind=EventKind.RATING, source=source, data={"method": method, "stars": stars_value})
    return rating
