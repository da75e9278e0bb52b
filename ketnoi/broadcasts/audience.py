"""Audience selection: which followers a broadcast reaches, as one queryset over ChannelContact.

Every condition is a column filter, an EXISTS or a scalar subquery over an indexed table, so the recipient count is
one COUNT query and the fan-out reads recipients a page of followers at a time (cursor < id <= bound), never all at
once.

Area: a follower lives where their subscription says (commune/ward, or residential group), which the chat asks
for and the shared address fills in when it names a commune we know; a follower who never said is taken to live
in the area of the OA they follow (a commune's OA), so a province-wide OA's unplaced followers are reached by a
province-wide alert but not by a commune's.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ketnoi.channels.models import Channel
from ketnoi.contacts.models import ChannelContact

from .models import AudienceTag, Broadcast, ChatGroup, ChatGroupStatus, GroupMember, Subscription, Topic

TESTER_TAG = "tester"


@dataclass(frozen=True)
class Audience:
    channel_ids: tuple[int, ...]
    area_path: str = ""
    exclude_area_path: str = ""
    tags: tuple[str, ...] = ()  # at least one of them
    exclude_tags: tuple[str, ...] = ()
    topic: str = ""  # subscribed to this topic ("" = whether subscribed or not)
    group_ids: tuple[int, ...] = ()  # members of these community groups
    testers_only: bool = False


def audience_of(broadcast: Broadcast) -> Audience:
    """The broadcast's audience fields as an Audience (training mode: only the testers of its channels)."""
    return Audience(
        channel_ids=tuple(sorted(broadcast.channels.values_list("pk", flat=True))),
        area_path=broadcast.area.path if broadcast.area_id else "",
        exclude_area_path=broadcast.exclude_area.path if broadcast.exclude_area_id else "",
        tags=tuple(broadcast.tags or ()),
        exclude_tags=tuple(broadcast.exclude_tags or ()),
        topic=broadcast.topic if broadcast.subscribers_only else "",
        testers_only=broadcast.is_training,
    )


AREA = "_area_path"


def _with_area(qs: QuerySet[ChannelContact]) -> QuerySet[ChannelContact]:
    """The follower's own area path ("" when they never said), read through their one subscription's unique index.

    A scalar subquery per row, not EXISTS: `placed OR (unplaced AND ...)` over two EXISTS made PostgreSQL hash the
    whole subscription table for every fan-out page (two sequential scans a page, so a broadcast cost O(n^2))."""
    if AREA in qs.query.annotations:
        return qs
    area = Subscription.objects.filter(channel_contact=OuterRef("pk")).values("area_path")[:1]
    return qs.alias(**{AREA: Coalesce(Subquery(area), Value(""))})


def _lives_in(path: str) -> Q:
    """Placed in the area, or unplaced and following an OA of the area. The OAs of the area are a subquery over the
    channel table (a hashed SubPlan, read once a statement), not a join: joined, the planner crossed every page of
    followers with every channel and filtered (20 channels: 20 rows read for each recipient)."""
    area_channels = Channel.objects.filter(unit__path__startswith=path).values("pk")
    return Q(**{f"{AREA}__startswith": path}) | Q(**{AREA: ""}, channel_id__in=area_channels)


def _tagged(names) -> Exists:
    return Exists(AudienceTag.objects.filter(channel_contact=OuterRef("pk"), name__in=list(names)))


def recipients(audience: Audience) -> QuerySet[ChannelContact]:
    """Followers matching the audience (unordered). Only current followers are ever recipients."""
    qs = ChannelContact.objects.filter(channel_id__in=audience.channel_ids, is_follower=True)
    if audience.testers_only:
        return qs.filter(_tagged([TESTER_TAG]))
    if audience.topic:
        if audience.topic not in Topic.values:
            raise ValueError(f"Unknown topic {audience.topic!r}")
        qs = qs.filter(Exists(Subscription.objects.filter(channel_contact=OuterRef("pk"), **{audience.topic: True})))
    if audience.area_path:
        qs = _with_area(qs).filter(_lives_in(audience.area_path))
    if audience.exclude_area_path:
        qs = _with_area(qs).exclude(_lives_in(audience.exclude_area_path))
    if audience.tags:
        qs = qs.filter(_tagged(audience.tags))
    if audience.exclude_tags:
        qs = qs.exclude(_tagged(audience.exclude_tags))
    if audience.group_ids:
        qs = qs.filter(
            Exists(GroupMember.objects.filter(channel_contact=OuterRef("pk"), group_id__in=audience.group_ids))
        )
    return qs


def recipient_count(audience: Audience) -> int:
    """One COUNT query, shown before sending."""
    return recipients(audience).count()


# --- group chats (Zalo GMF): "these community groups" as one post per group ------------------------------------


def _group_in(path: str) -> Q:
    """A community group lies in an area: its residential group does, or (the ward's own group) its commune does."""
    return Q(community_group__residential_group__path__startswith=path) | Q(
        community_group__residential_group__isnull=True, community_group__unit__path__startswith=path
    )


def chat_groups_in(
    *, channel_ids, area_path: str, exclude_area_path: str = "", community_group_ids=()
) -> QuerySet[ChatGroup]:
    """Active group chats on these accounts in the area: the chosen community groups' chats, or every one there."""
    qs = ChatGroup.objects.filter(status=ChatGroupStatus.ACTIVE, channel_id__in=list(channel_ids))
    if community_group_ids:
        qs = qs.filter(community_group_id__in=list(community_group_ids))
    qs = qs.filter(_group_in(area_path))
    if exclude_area_path:
        qs = qs.exclude(_group_in(exclude_area_path))
    return qs


def chat_groups_of(broadcast: Broadcast) -> QuerySet[ChatGroup]:
    """The group chats a broadcast posts into (no area: the broadcast's own unit)."""
    return chat_groups_in(
        channel_ids=broadcast.channels.values_list("pk", flat=True),
        area_path=broadcast.area.path if broadcast.area_id else broadcast.unit.path,
        exclude_area_path=broadcast.exclude_area.path if broadcast.exclude_area_id else "",
        community_group_ids=list(broadcast.community_groups.values_list("pk", flat=True)),
    )


def chat_group_reach(broadcast: Broadcast) -> tuple[int, int]:
    """(group chats, their members now): one aggregate over the kept member counts."""
    return reach_in(chat_groups_of(broadcast))


def reach_in(chats: QuerySet[ChatGroup]) -> tuple[int, int]:
    found = chats.aggregate(groups=Count("pk"), members=Sum("member_count"))
    return found["groups"] or 0, found["members"] or 0


def reach_of(broadcast: Broadcast) -> int:
    """People the broadcast reaches: its followers, or, posted into group chats, the members of those groups."""
    if broadcast.to_group_chats:
        return chat_group_reach(broadcast)[1]
    return recipients(audience_of(broadcast)).count()
