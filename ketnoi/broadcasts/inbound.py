"""What broadcasts does with what people send (the inbound pipeline calls these, after contacts):

- `command`, for messages `is_command` recognises (the conversation engine never sees them):
  "#bc.attend:<meeting>:yes|no" (a button on a meeting notice): attendance;
  "#bc.relay:<broadcast>" (a button on a broadcast to group leaders): relay to the leader's group;
  "#lienket <code>" or "lienket <code>" (typed to the internal OA, or from the QR): link an official's account;
- `place_from_address`: submitted info with an address places the follower in a commune;
- provider tag events mirror our tags (services.audience.tags_from_provider, called directly).
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import override

from ketnoi.channels.types.base import InboundEvent, OutboundPayload
from ketnoi.contacts.models import ChannelContact
from ketnoi.core.text import fold
from ketnoi.orgs.models import COMMUNE_KINDS, AdministrativeUnit
from ketnoi.outbox.models import Lane
from ketnoi.outbox.services import outbox_enqueue

from .models import Broadcast, Meeting, OfficialLink, Subscription
from .services.internal import official_link_by_code
from .services.meetings import ATTEND_PAYLOAD, meeting_answer
from .services.relay import RELAY_PAYLOAD, broadcast_relay
from .services.subscriptions import subscription_set

LINK_RE = re.compile(r"^#?\s*lien\s*ket\s+(\d{6})\s*$")
PREFIX = "#bc."


def is_command(text: str) -> bool:
    text = (text or "").strip()
    return text.startswith(PREFIX) or bool(LINK_RE.match(fold(text)))


def _reply(channel, person: ChannelContact, event: InboundEvent, text: str) -> None:
    outbox_enqueue(
        channel=channel,
        channel_contact=person,
        payload=OutboundPayload(kind="text", text=text),
        idempotency_key=f"bc-reply:{channel.pk}:{event.dedup_key}"[:100],
        lane=Lane.TRANSACTIONAL,
        source_type="broadcasts",
    )


def command(*, person: ChannelContact, event: InboundEvent) -> None:
    with override(person.contact.language or "vi"):
        _command(person.channel, person, event)


def _command(channel, person: ChannelContact, event: InboundEvent) -> None:
    text = event.text.strip()
    link = LINK_RE.match(fold(text))
    if link:
        linked = official_link_by_code(channel_contact=person, code=link.group(1))
        if linked is None:
            _reply(channel, person, event, _("This code is not valid or has expired. Create a new one in the console."))
        else:
            _reply(channel, person, event, _("Your account is linked. Work notices will arrive here."))
        return
    if text.startswith(ATTEND_PAYLOAD):
        meeting_id, _sep, answer = text[len(ATTEND_PAYLOAD) :].partition(":")
        link_row = OfficialLink.objects.select_related("user").filter(channel_contact=person).first()
        meeting = Meeting.objects.filter(uuid=_uuid(meeting_id)).first() if _uuid(meeting_id) else None
        if link_row is None or meeting is None:
            _reply(channel, person, event, _("This meeting or account is not known."))
            return
        try:
            meeting_answer(official=link_row.user, meeting=meeting, attending=answer == "yes")
        except Exception:  # not invited: say so, do not fail the event
            _reply(channel, person, event, _("You are not invited to this meeting."))
            return
        _reply(channel, person, event, _("Thank you, your answer is recorded."))
        return
    if text.startswith(RELAY_PAYLOAD):
        broadcast_id = _uuid(text[len(RELAY_PAYLOAD) :])
        broadcast = Broadcast.objects.filter(uuid=broadcast_id).first() if broadcast_id else None
        count = broadcast_relay(leader=person, broadcast=broadcast) if broadcast else 0
        _reply(channel, person, event, _("Relayed to %(n)s members of your group.") % {"n": count})


def _uuid(text: str) -> str | None:
    import uuid

    try:
        return str(uuid.UUID(text.strip()))
    except ValueError:
        return None


def place_from_address(*, person: ChannelContact, address: str) -> None:
    """A shared address naming one of our current communes places a follower who has not chosen an area."""
    if not address:
        return
    existing = Subscription.objects.filter(channel_contact=person).first()
    if existing is not None and existing.area_id:
        return
    folded = fold(address)
    province_path = person.channel.unit.path.split("/")[1]
    matches = [
        unit
        for unit in AdministrativeUnit.objects.filter(
            kind__in=COMMUNE_KINDS, valid_to__isnull=True, path__startswith=f"/{province_path}/"
        )
        if fold(unit.name) in folded
    ]
    if len(matches) == 1:
        topics = existing.topics if existing else set()
        subscription_set(channel_contact=person, topics=topics, area=matches[0])
