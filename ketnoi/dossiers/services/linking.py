"""Linking a citizen's channel identity to dossiers, so notices reach them. Exactly three ways prove that the person
is the applicant, and nothing else links or reveals a dossier:
- the signed receipt QR token (follow link or pasted lookup link: ketnoi.dossiers.inbound);
- the receipt code plus the last digits of the applicant's phone (dossier_link_by_code, rate-limited);
- a phone proven by a one-time code sent to it (Contact.phone, set only by conversations.services.verification):
  dossiers_link_verified_phone in the chat, dossier_link_by_phone when a dossier arrives (desk or one-stop sync).
A phone a person typed (Zalo's share-your-information form keeps it as ChannelContact.shared_phone) proves nothing:
the chat may say that dossiers exist for it and send the code to it, no more."""

import datetime as dt
import hmac

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.contacts.models import ChannelContact, Contact
from ketnoi.core.errors import ApplicationError
from ketnoi.core.phones import InvalidPhoneNumber, normalize_phone

from ..models import Dossier, DossierLink, EventKind, EventSource, LinkAttempt, LinkMethod, NotificationKind
from ..notifications import notify_citizen
from ..selectors import dossier_find_by_code
from .common import record_event

LINK_ATTEMPTS_PER_HOUR = 5
# Per dossier, whoever tries: many accounts cannot share out the 10,000 possible phone endings between them.
DOSSIER_ATTEMPTS_PER_HOUR = 10
PHONE_DIGITS = 4


def _target(contact: Contact | ChannelContact) -> dict:
    if isinstance(contact, ChannelContact):
        return {"channel_contact": contact}
    if isinstance(contact, Contact):
        return {"contact": contact}
    raise TypeError("Link a Contact or a ChannelContact.")


@transaction.atomic
def dossier_link(
    *,
    dossier: Dossier,
    contact: Contact | ChannelContact,
    method: str,
    at: dt.datetime | None = None,
    notify: bool = True,
) -> tuple[DossierLink, bool]:
    """Link (or re-activate the link of) a citizen to a dossier; a new link is told the dossier's status once
    (unless `notify` is False: the caller is about to send a notice of its own, e.g. the receipt)."""
    target = _target(contact)
    link = DossierLink.objects.filter(dossier=dossier, **target).first()
    if link is not None:
        if not link.is_active:
            link.is_active = True
            link.save(update_fields=["is_active"])
        return link, False
    try:
        with transaction.atomic():
            link = DossierLink.objects.create(dossier=dossier, method=method, linked_at=at or timezone.now(), **target)
    except IntegrityError:  # the same person linked a moment ago (a retried follow event): that link stands
        return DossierLink.objects.get(dossier=dossier, **target), False
    event = record_event(
        dossier=dossier,
        kind=EventKind.LINKED,
        source=EventSource.CITIZEN,
        data={"method": method, "target": str(contact.uuid)},
    )
    if not notify:
        return link, True
    # Only the new identity hears the "you are linked" notice.
    if isinstance(contact, ChannelContact):
        recipients = [contact]
    else:
        recipients = list(contact.channel_contacts.filter(channel__is_active=True).select_related("channel", "contact"))
    notify_citizen(dossier=dossier, event=event, kind=NotificationKind.LINKED, channel_contacts=recipients)
    return link, True


def _attempt_key(contact: Contact | ChannelContact) -> str:
    return f"{contact._meta.model_name}:{contact.pk}"


def _failures(key: str) -> int:
    since = timezone.now() - dt.timedelta(hours=1)
    return LinkAttempt.objects.filter(key=key, attempted_at__gte=since, succeeded=False).count()


def link_attempts_left(contact: Contact | ChannelContact) -> int:
    return max(LINK_ATTEMPTS_PER_HOUR - _failures(_attempt_key(contact)), 0)


def dossier_link_by_code(*, contact: Contact | ChannelContact, code: str, phone_last_digits: str) -> Dossier:
    """The citizen typed the receipt code in chat: the last four digits of the applicant's phone are the second
    factor. Five failures an hour per person and ten per dossier, then wait; the same answer for a wrong code and
    a wrong phone.
    Call it outside any transaction that an error would roll back (or catch the error): the failed attempt must
    stay recorded for the limit to hold."""
    with transaction.atomic():
        if link_attempts_left(contact) <= 0:
            raise ApplicationError(_("Too many tries. Please wait an hour, or ask at the desk."), code="rate_limited")
        digits = "".join(ch for ch in phone_last_digits or "" if ch.isdigit())
        dossier = dossier_find_by_code(code=code)
        if dossier is not None and _failures(f"dossier:{dossier.pk}") >= DOSSIER_ATTEMPTS_PER_HOUR:
            raise ApplicationError(_("Too many tries. Please wait an hour, or ask at the desk."), code="rate_limited")
        ok = (
            dossier is not None
            and len(digits) == PHONE_DIGITS
            and bool(dossier.applicant_phone)
            and hmac.compare_digest(dossier.applicant_phone[-PHONE_DIGITS:], digits)
        )
        LinkAttempt.objects.create(key=_attempt_key(contact), succeeded=ok)
        if dossier is not None:
            LinkAttempt.objects.create(key=f"dossier:{dossier.pk}", succeeded=ok)
    if not ok:
        raise ApplicationError(
            _("No dossier matches this code and phone number."),
            code="no_match",
            extra={"left": link_attempts_left(contact)},
        )
    dossier_link(dossier=dossier, contact=contact, method=LinkMethod.CODE)
    return dossier


def dossiers_for_verified_phone(*, phone: str) -> QuerySet[Dossier]:
    """Every dossier filed with this phone, newest first. Show them only to someone who proved the phone with a
    one-time code; for a phone merely typed, only whether any exist (dossiers_exist_for_phone)."""
    try:
        e164 = normalize_phone(phone)
    except InvalidPhoneNumber:
        return Dossier.objects.none()
    return (
        Dossier.objects.filter(applicant_phone=e164)
        .select_related("procedure", "receiving_agency")
        .order_by("-received_at", "-id")
    )


def dossiers_exist_for_phone(*, phone: str) -> bool:
    """Whether any open dossier was filed with this phone: all the chat may say about a number it has not proven."""
    return dossiers_for_verified_phone(phone=phone).exclude(state__in=["result_returned", "withdrawn"]).exists()


@transaction.atomic
def dossiers_link_verified_phone(*, contact: Contact | ChannelContact, phone: str) -> list[Dossier]:
    """Link every open dossier of a phone the person just proved with a one-time code. No "you are linked" notice
    per dossier: the chat shows them all in one list."""
    linked = []
    for dossier in dossiers_for_verified_phone(phone=phone).exclude(state__in=["result_returned", "withdrawn"]):
        dossier_link(dossier=dossier, contact=contact, method=LinkMethod.VERIFIED_PHONE, notify=False)
        linked.append(dossier)
    return linked


@transaction.atomic
def dossier_link_by_phone(*, dossier: Dossier, notify: bool = True) -> int:
    """A dossier arrived carrying a phone (desk intake, a one-stop system's SoDienThoai): link the people who proved
    that phone with a one-time code (their Contact has it), so its notices reach their chats. A phone someone only
    typed or shared with an OA links nothing. Returns how many new links were made. Closed dossiers are not
    linked. One indexed lookup (Contact.phone)."""
    if not dossier.applicant_phone or dossier.state in ("result_returned", "withdrawn"):
        return 0
    made = 0
    for contact in Contact.objects.filter(phone=dossier.applicant_phone).order_by("pk"):
        made += dossier_link(dossier=dossier, contact=contact, method=LinkMethod.VERIFIED_PHONE, notify=notify)[1]
    return made


@transaction.atomic
def dossier_phone_changed(*, dossier: Dossier, old_phone: str) -> int:
    """The applicant's phone was corrected (a one-stop system's update): whoever was linked for proving the old
    number stops hearing about the dossier, since that number is not the applicant's; whoever proved the new one is
    linked. Links made by the receipt's QR or by code and digits stay. Returns the new links made."""
    if old_phone and old_phone != dossier.applicant_phone:
        proven_old = Q(contact__phone=old_phone) | Q(channel_contact__contact__phone=old_phone)
        DossierLink.objects.filter(proven_old, dossier=dossier, method=LinkMethod.VERIFIED_PHONE).update(
            is_active=False
        )
    return dossier_link_by_phone(dossier=dossier)
