"""A citizen's own data, found by phone number or ID number: exported for them, or erased at their request
(Decree 13/2023 Arts. 14 and 16; the Law on Personal Data Protection 2025). Carried out by a system administrator
(console /console/personal-data/ or `manage.py citizen_data`), each request recorded (DataRequest) and audited.

Erasure removes what ketnoi holds to talk with the person: their channel identities and contact, messages both
ways, raw webhook events, the chat's log and sessions, one-time codes, hand-off threads, subscriptions and group
memberships, and their links to dossiers. Dossiers and petitions themselves are administrative records kept under
the archive rules (the one-stop system holds them too); they stay, no longer linked to any channel, and the
answer says how many were kept and why.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.channels.models import ChannelEvent
from ketnoi.channels.types.webchat.models import WebChatMessage
from ketnoi.contacts.models import ChannelContact, Contact, InboundMessage
from ketnoi.conversations.models import ConversationSession, ConversationStep, PhoneVerification
from ketnoi.core.actor import as_actor
from ketnoi.core.audit import audit_record
from ketnoi.core.errors import ApplicationError
from ketnoi.core.phones import normalize_phone
from ketnoi.core.redaction import mask_id_number, mask_phone
from ketnoi.dossiers.models import Dossier, DossierLink
from ketnoi.dossiers.protect import clean_id_number, id_number_hashes
from ketnoi.inbox.models import Handoff
from ketnoi.outbox.models import OutboundMessage
from ketnoi.petitions.models import Petition

from .models import DataRequest


@dataclass
class Subject:
    """Everything found for one phone or ID number, as querysets."""

    label: str  # masked, for records and logs
    phone: str = ""
    id_hashes: list[str] = field(default_factory=list)

    def contacts(self) -> QuerySet:
        if not self.phone:
            return Contact.objects.none()
        return Contact.objects.filter(Q(phone=self.phone) | Q(channel_contacts__shared_phone=self.phone)).distinct()

    def channel_contacts(self) -> QuerySet:
        return ChannelContact.objects.filter(
            Q(contact__in=self.contacts()) | (Q(shared_phone=self.phone) if self.phone else Q(pk__in=[]))
        ).distinct()

    def dossiers(self) -> QuerySet:
        match = Q(applicant_id_hash__in=self.id_hashes) if self.id_hashes else Q(pk__in=[])
        if self.phone:
            match |= Q(applicant_phone=self.phone) | Q(authorized_phone=self.phone)
        match |= Q(links__channel_contact__in=self.channel_contacts()) | Q(links__contact__in=self.contacts())
        return Dossier.objects.filter(match).distinct()

    def petitions(self) -> QuerySet:
        match = Q(channel_contact__in=self.channel_contacts())
        if self.phone:
            match |= Q(petitioner_phone=self.phone)
        return Petition.objects.filter(match).distinct()

    def events(self) -> QuerySet:
        pairs = list(self.channel_contacts().values_list("channel_id", "user_id"))
        match = Q(pk__in=[])
        for channel_id, user_id in pairs:
            match |= Q(channel_id=channel_id, user_id=user_id)
        return ChannelEvent.objects.filter(match)

    def webchat_messages(self) -> QuerySet:
        match = Q(pk__in=[])
        for channel_id, user_id in self.channel_contacts().values_list("channel_id", "user_id"):
            match |= Q(channel_id=channel_id, visitor_id=user_id)
        return WebChatMessage.objects.filter(match)

    def outbound(self) -> QuerySet:
        match = Q(channel_contact__in=self.channel_contacts())
        if self.phone:
            match |= Q(recipient_phone=self.phone)
        return OutboundMessage.objects.filter(match)

    def verifications(self) -> QuerySet:
        match = Q(channel_contact__in=self.channel_contacts())
        if self.phone:
            match |= Q(phone=self.phone)
        return PhoneVerification.objects.filter(match)


def subject_for(*, phone: str = "", id_number: str = "") -> Subject:
    if bool(phone) == bool(id_number):
        raise ApplicationError(_("Give either a phone number or an ID number."), code="subject_required")
    if phone:
        e164 = normalize_phone(phone)
        if not e164:
            raise ApplicationError(_("That is not a phone number."), code="invalid_phone")
        return Subject(label=mask_phone(e164), phone=e164)
    number = clean_id_number(id_number)
    return Subject(label=mask_id_number(number), id_hashes=id_number_hashes(number))


def _when(value: dt.datetime | None) -> str:
    return value.isoformat() if value else ""


def citizen_export(*, actor, phone: str = "", id_number: str = "", reason: str = "") -> tuple[DataRequest, dict]:
    """What ketnoi holds about the person, in clear (it is for them); recorded and audited."""
    from ketnoi.dossiers.protect import reveal_id_number

    subject = subject_for(phone=phone, id_number=id_number)
    channel_contacts = subject.channel_contacts().select_related("channel")
    data: dict[str, Any] = {
        "generated_at": timezone.now().isoformat(),
        "contacts": [{"name": c.name, "phone": c.phone, "since": _when(c.created_at)} for c in subject.contacts()],
        "channel_identities": [
            {
                "channel": cc.channel.name,
                "display_name": cc.display_name,
                "follower": cc.is_follower,
                "shared_phone": cc.shared_phone,
                "shared_address": cc.shared_address,
                "followed_at": _when(cc.followed_at),
            }
            for cc in channel_contacts
        ],
        "dossiers": [
            {
                "receipt_code": d.receipt_code,
                "procedure": d.procedure.name,
                "state": d.state,
                "received_at": _when(d.received_at),
                "applicant_name": d.applicant_name,
                "applicant_phone": d.applicant_phone,
                "applicant_id_number": reveal_id_number(d.applicant_id_encrypted),
                "applicant_address": d.applicant_address,
            }
            for d in subject.dossiers().select_related("procedure")
        ],
        "petitions": [
            {
                "tracking_code": p.tracking_code,
                "subject": p.subject,
                "state": p.state,
                "received_at": _when(p.received_at),
            }
            for p in subject.petitions()
        ],
        "messages_received": [
            {"at": _when(m.received_at), "kind": m.kind, "text": m.text}
            for m in InboundMessage.objects.filter(channel_contact__in=channel_contacts).order_by("received_at")
        ],
        "messages_sent": [
            {"at": _when(m.created_at), "status": m.status, "payload": m.payload}
            for m in subject.outbound().order_by("created_at")
        ],
        "conversation_steps": [
            {"at": _when(s.created_at), "input": s.input_excerpt, "from": s.from_state, "to": s.to_state}
            for s in ConversationStep.objects.filter(session__channel_contact__in=channel_contacts).order_by("id")
        ],
    }
    counts = {key: len(value) for key, value in data.items() if isinstance(value, list)}
    request = _record(DataRequest.Kind.EXPORT, subject, actor, reason, counts)
    return request, data


@transaction.atomic
def citizen_erase(*, actor, phone: str = "", id_number: str = "", reason: str = "") -> DataRequest:
    """Erase what ketnoi holds to talk with the person (see the module's docstring); returns the record."""
    subject = subject_for(phone=phone, id_number=id_number)
    channel_contacts = list(subject.channel_contacts().values_list("pk", flat=True))
    contacts = list(subject.contacts().values_list("pk", flat=True))
    kept_dossiers, kept_petitions = subject.dossiers().count(), subject.petitions().count()
    counts = {
        "handoffs": Handoff.objects.filter(channel_contact__in=channel_contacts).delete()[0],
        "webhook_events": subject.events().delete()[0],
        "webchat_messages": subject.webchat_messages().delete()[0],
        "messages_received": InboundMessage.objects.filter(channel_contact__in=channel_contacts).delete()[0],
        "messages_sent": subject.outbound().delete()[0],
        "conversation_sessions": ConversationSession.objects.filter(channel_contact__in=channel_contacts).delete()[0],
        "phone_verifications": subject.verifications().delete()[0],
        "dossier_links": DossierLink.objects.filter(
            Q(channel_contact__in=channel_contacts) | Q(contact__in=contacts)
        ).delete()[0],
        "channel_identities": ChannelContact.objects.filter(pk__in=channel_contacts)
        .delete()[1]
        .get("contacts.ChannelContact", 0),
        "contacts": Contact.objects.filter(pk__in=contacts)
        .exclude(channel_contacts__isnull=False)
        .delete()[1]
        .get("contacts.Contact", 0),
        "dossiers_kept": kept_dossiers,
        "petitions_kept": kept_petitions,
    }
    return _record(DataRequest.Kind.ERASURE, subject, actor, reason, counts)


def _record(kind: str, subject: Subject, actor, reason: str, counts: dict[str, int]) -> DataRequest:
    user = as_actor(actor).user
    with transaction.atomic():
        request = DataRequest.objects.create(
            kind=kind,
            subject=subject.label,
            reason=reason[:255],
            requested_by=user,
            requested_by_label=user.get_username() if user else "system",
            counts=counts,
        )
        audit_record(actor=user, action=f"personal_data.{kind}", target=request, unit_path="", after=counts)
    return request
