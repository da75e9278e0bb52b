"""A residential-group leader relays a broadcast to their group (the Bac Kan pattern: the leader reaches households)."""

from django.db import transaction
from django.utils import timezone

from ketnoi.channels.models import Channel
from ketnoi.contacts.models import ChannelContact
from ketnoi.core.audit import audit_record
from ketnoi.outbox.services import outbox_enqueue_many

from ..models import Broadcast, GroupMember, GroupRole
from ..states import State
from .fanout import build_messages

RELAY_PAYLOAD = "#bc.relay:"  # "#bc.relay:<broadcast uuid>"
RELAY_TAG = "group_leader"


@transaction.atomic
def broadcast_relay(*, leader: ChannelContact, broadcast: Broadcast) -> int:
    """Queue the broadcast to every member of the groups this follower leads, on the same OA. Members already
    reached get nothing more (same idempotency key as the fan-out). Returns the number of new messages."""
    if broadcast.state not in (State.SENDING, State.SENT):
        return 0
    groups = GroupMember.objects.filter(channel_contact=leader, role=GroupRole.LEADER).values("group_id")
    rows = list(
        GroupMember.objects.filter(
            group_id__in=groups, channel_contact__channel_id=leader.channel_id, channel_contact__is_follower=True
        )
        .exclude(channel_contact=leader)
        .order_by("channel_contact_id")
        .values_list(
            "channel_contact_id",
            "channel_contact__channel_id",
            "channel_contact__user_id",
            "channel_contact__contact__language",
            "channel_contact__shared_phone",
            "channel_contact__contact__phone",
        )
        .distinct()
    )
    if not rows:
        return 0
    channels = {leader.channel_id: Channel.objects.get(pk=leader.channel_id)}
    added = outbox_enqueue_many(messages=build_messages(broadcast, rows, channels, now=timezone.now()))
    audit_record(
        actor=None,
        action="broadcasts.relay",
        target=broadcast,
        unit_path=broadcast.unit.path,
        after={"leader": leader.user_id, "members": len(rows), "new": added},
    )
    return added
