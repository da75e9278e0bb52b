"""The contact's history beside a conversation: their dossiers (through the dossiers' own scoped selector), their
earlier messages both ways, earlier hand-offs, and their petitions when the petitions app offers a selector.
Everything is read as the acting official: what is outside their scope is not shown."""

from dataclasses import dataclass, field
from itertools import islice

from django.db.models import Q
from django.utils.translation import pgettext_lazy

from ketnoi.contacts.models import ChannelContact, InboundMessage
from ketnoi.dossiers.selectors import dossier_list
from ketnoi.orgs.scoping import scope_of
from ketnoi.outbox.models import OutboundMessage

from .models import Handoff
from .services.common import ANSWER
from .states import HandoffState

MESSAGES_SHOWN = 40

# What sent an outgoing message (the outbox row's source_type), as the official reads it.
SOURCE_LABELS = {
    "conversation": pgettext_lazy("message source", "assistant"),
    "follow": pgettext_lazy("message source", "welcome"),
    "dossier": pgettext_lazy("message source", "dossier notice"),
    "phone_verification": pgettext_lazy("message source", "one-time code"),
    "handoff": pgettext_lazy("message source", "official"),
    "broadcast": pgettext_lazy("message source", "broadcast"),
    "broadcasts": pgettext_lazy("message source", "broadcast"),
    "petition": pgettext_lazy("message source", "petition notice"),
    "business_menu": pgettext_lazy("message source", "assistant"),
    "internal_notice": pgettext_lazy("message source", "internal notice"),
}
DOSSIERS_SHOWN = 10
PETITIONS_SHOWN = 10


@dataclass(frozen=True)
class LogLine:
    direction: str  # "in" (the citizen) or "out" (the bot, a notice, an official)
    at: object
    text: str
    kind: str
    source: str = ""  # for "out": what sent it (follow, dossier, handoff, a flow...)
    status: str = ""

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS.get(self.source, self.source))


@dataclass
class ContactHistory:
    dossiers: list = field(default_factory=list)
    petitions: list | None = None  # None: the petitions app has no selector to read them
    messages: list[LogLine] = field(default_factory=list)
    handoffs: list = field(default_factory=list)


def _channel_contacts_in_scope(official, handoff: Handoff) -> list[int]:
    """This person's identities on channels of units the official answers for (and always the hand-off's own)."""
    scope = scope_of(official).narrowed(ANSWER)
    identities = ChannelContact.objects.filter(contact_id=handoff.channel_contact.contact_id)
    if not scope_of(official).everything:
        identities = identities.filter(scope.q("channel__unit__path"))
    return sorted(set(identities.values_list("pk", flat=True)) | {handoff.channel_contact_id})


def _dossiers(official, handoff: Handoff, identities: list[int]) -> list:
    contact = handoff.channel_contact.contact
    linked = Q(links__channel_contact_id__in=identities, links__is_active=True) | Q(
        links__contact=contact, links__is_active=True
    )
    if contact.phone:
        linked |= Q(applicant_phone=contact.phone)
    return list(dossier_list(official=official).filter(linked).distinct().order_by("-received_at")[:DOSSIERS_SHOWN])


def _petitions(official, identities: list[int]) -> list | None:
    try:
        from ketnoi.petitions.selectors import petition_list
    except ImportError:
        return None
    petitions = petition_list(official=official)  # scoped; an official without petition rights sees none
    if "channel_contact" not in {f.name for f in petitions.model._meta.get_fields()}:
        return None
    return list(petitions.filter(channel_contact_id__in=identities).order_by("-id")[:PETITIONS_SHOWN])


def _messages(identities: list[int]) -> list[LogLine]:
    inbound = (
        InboundMessage.objects.filter(channel_contact_id__in=identities)
        .order_by("-received_at", "-id")
        .values("received_at", "text", "kind")[:MESSAGES_SHOWN]
    )
    outbound = (
        OutboundMessage.objects.filter(channel_contact_id__in=identities)
        .order_by("-created_at", "-id")
        .values("created_at", "payload", "kind", "source_type", "status")[:MESSAGES_SHOWN]
    )
    lines = [LogLine("in", m["received_at"], m["text"], m["kind"]) for m in inbound]
    for m in outbound:
        payload = m["payload"] or {}
        text = payload.get("text") or " · ".join(f"{v}" for v in (payload.get("template_data") or {}).values())
        lines.append(LogLine("out", m["created_at"], text, m["kind"], m["source_type"], m["status"]))
    lines.sort(key=lambda line: line.at, reverse=True)
    return list(islice(lines, MESSAGES_SHOWN))


def contact_history(*, official, handoff: Handoff) -> ContactHistory:
    identities = _channel_contacts_in_scope(official, handoff)
    earlier = (
        Handoff.objects.filter(channel_contact_id__in=identities, state=HandoffState.CLOSED)
        .exclude(pk=handoff.pk)
        .select_related("assigned_to", "unit")
        .order_by("-closed_at")[:10]
    )
    return ContactHistory(
        dossiers=_dossiers(official, handoff, identities),
        petitions=_petitions(official, identities),
        messages=_messages(identities),
        handoffs=list(earlier),
    )
