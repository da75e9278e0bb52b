"""One-time codes that prove a phone number typed in the chat (or shared through Zalo's form, which the person may
edit): six digits sent as a template message by phone (ZBS) through the OA of the person's unit, with SMS as the
outbox's fallback. Only a keyed hash is kept; a code expires after 10 minutes and allows 5 attempts; at most 3
codes an hour per person."""

import datetime as dt
import enum
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_noop

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import OutboundPayload
from ketnoi.contacts.models import ChannelContact
from ketnoi.contacts.services import link_verified_phone
from ketnoi.core.audit import audit_record
from ketnoi.core.errors import ApplicationError
from ketnoi.core.phones import normalize_phone
from ketnoi.outbox.by_phone import phone_channel_for
from ketnoi.outbox.models import Lane
from ketnoi.outbox.services import outbox_enqueue

from ..models import PhoneVerification

CODE_DIGITS = 6
VALID_MINUTES = 10
MAX_ATTEMPTS = 5
CODES_PER_HOUR = 3
SALT = "ketnoi.conversations.phone-verification"


class Check(enum.StrEnum):
    VERIFIED = "verified"
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED = "locked"  # too many wrong attempts on this code
    NONE = "none"  # no code was sent


def code_hash(verification_key: str, code: str) -> str:
    return salted_hmac(SALT, f"{verification_key}:{code}").hexdigest()


def sending_channel(channel: Channel) -> Channel | None:
    """Where a code by phone goes out: this channel if it sends templates by phone, else the unit's Zalo OA."""
    if channel.channel_type.supports_templates:
        return channel
    found = phone_channel_for(channel.unit)
    if found is not None:
        return found
    return Channel.objects.filter(type_code="sms", is_active=True).order_by("pk").first()


def template_id(channel: Channel) -> str:
    return str(
        (channel.config or {}).get("otp_template_id") or getattr(settings, "CONVERSATION_OTP_TEMPLATE_ID", "ketnoi-otp")
    )


@transaction.atomic
def verification_start(*, channel_contact: ChannelContact, phone: str) -> PhoneVerification:
    """Send a new code to `phone`. ApplicationError: the number is invalid, too many codes, or no way to send."""
    e164 = normalize_phone(phone)
    since = timezone.now() - dt.timedelta(hours=1)
    if (
        PhoneVerification.objects.filter(channel_contact=channel_contact, created_at__gte=since).count()
        >= CODES_PER_HOUR
    ):
        raise ApplicationError(gettext_noop("Too many codes were sent. Please wait an hour."), code="rate_limited")
    channel = sending_channel(channel_contact.channel)
    if channel is None:
        raise ApplicationError(gettext_noop("Codes cannot be sent from here."), code="no_channel")
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = timezone.now()
    verification = PhoneVerification.objects.create(
        channel_contact=channel_contact, phone=e164, code_hash="", expires_at=now + dt.timedelta(minutes=VALID_MINUTES)
    )
    verification.code_hash = code_hash(str(verification.pk), code)
    verification.save(update_fields=["code_hash"])
    sms_text = f"Ma xac nhan so dien thoai: {code} (hieu luc {VALID_MINUTES} phut). Khong chia se ma nay."
    if channel.channel_type.supports_templates:
        payload = OutboundPayload(kind="template", template_id=template_id(channel), template_data={"otp": code})
        fallback = {"sms_text": sms_text}
    else:
        payload, fallback = OutboundPayload(kind="text", text=sms_text), None
    outbox_enqueue(
        channel=channel,
        payload=payload,
        idempotency_key=f"otp:{verification.pk}",
        lane=Lane.TRANSACTIONAL,
        recipient_phone=e164,
        source_type="phone_verification",
        source_id=str(verification.pk),
        fallback=fallback,
    )
    return verification


@transaction.atomic
def verification_check(*, channel_contact: ChannelContact, code: str) -> tuple[Check, PhoneVerification | None]:
    """Check the code typed against the latest one sent; on success the person's Contact gets the verified phone."""
    verification = (
        PhoneVerification.objects.select_for_update().filter(channel_contact=channel_contact, verified_at=None).first()
    )
    if verification is None:
        return Check.NONE, None
    if verification.expires_at < timezone.now():
        return Check.EXPIRED, verification
    if verification.attempts >= MAX_ATTEMPTS:
        return Check.LOCKED, verification
    verification.attempts += 1
    if not hmac.compare_digest(verification.code_hash, code_hash(str(verification.pk), code.strip())):
        verification.save(update_fields=["attempts"])
        return (Check.LOCKED if verification.attempts >= MAX_ATTEMPTS else Check.WRONG), verification
    verification.verified_at = timezone.now()
    verification.save(update_fields=["attempts", "verified_at"])
    contact = link_verified_phone(channel_contact=channel_contact, phone=verification.phone)
    audit_record(
        actor=None,
        action="contact.phone_verified",
        target=contact,
        unit_path=channel_contact.channel.unit.path,
        after={"method": "one_time_code"},
    )
    return Check.VERIFIED, verification


def attempts_left(verification: PhoneVerification | None) -> int:
    return max(MAX_ATTEMPTS - verification.attempts, 0) if verification else 0
