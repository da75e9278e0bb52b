"""Reads of the broadcasts app, through the acting official's scope (an object outside it is a 404)."""

import re
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from ketnoi.channels.models import Channel
from ketnoi.orgs.models import COMMUNE_KINDS, PROVINCE_KINDS, AdministrativeUnit, UnitKind
from ketnoi.orgs.scoping import scope_of
from ketnoi.outbox.models import OutboundMessage, Status

from .models import Broadcast, BroadcastTemplate, CommunityGroup, GroupMember, Household, InternalNotice, Meeting
from .services.approval import SOURCE_TYPE
from .states import State

VIEW_CAPABILITIES = ("broadcasts.compose", "broadcasts.approve")


def _scoped(official, queryset: QuerySet, path_field: str, capabilities=VIEW_CAPABILITIES) -> QuerySet:
    scope = scope_of(official)
    q = Q(pk__in=[])
    for capability in capabilities:
        narrowed = scope.narrowed(capability)
        if narrowed.can(capability):
            q |= narrowed.q(path_field)
    return queryset.filter(q)


def broadcast_list(*, official, state: str = "") -> QuerySet[Broadcast]:
    qs = _scoped(official, Broadcast.objects.select_related("unit", "author", "area"), "unit__path")
    return qs.filter(state=state) if state else qs


def awaiting_approval(*, official) -> QuerySet[Broadcast]:
    """Broadcasts this official may approve now: submitted, in their approval scope, written by someone else (the
    author may approve their own only in training mode, which reaches testers only)."""
    submitted = Broadcast.objects.filter(state=State.SUBMITTED)
    mine = Q(author_id=official.pk, is_training=False)
    return _scoped(official, submitted, "unit__path", capabilities=("broadcasts.approve",)).exclude(mine)


def broadcast_get(*, official, uuid) -> Broadcast:
    found = broadcast_list(official=official).filter(uuid=uuid).first()
    if found is None:
        raise Http404
    return found


def template_list(*, official) -> QuerySet[BroadcastTemplate]:
    return _scoped(official, BroadcastTemplate.objects.select_related("unit", "pre_approved_by"), "unit__path")


def template_get(*, official, uuid) -> BroadcastTemplate:
    found = template_list(official=official).filter(uuid=uuid).first()
    if found is None:
        raise Http404
    return found


def compose_units(*, official) -> QuerySet[AdministrativeUnit]:
    """Units the official may write broadcasts for (provinces and communes in scope)."""
    scope = scope_of(official).narrowed("broadcasts.compose")
    return scope.filter(
        AdministrativeUnit.objects.filter(valid_to__isnull=True, kind__in=[*PROVINCE_KINDS, *COMMUNE_KINDS]), "path"
    )


def compose_areas(*, official) -> QuerySet[AdministrativeUnit]:
    """Areas a broadcast may target: units in scope, down to residential groups and villages."""
    scope = scope_of(official).narrowed("broadcasts.compose")
    kinds = [*PROVINCE_KINDS, *COMMUNE_KINDS, UnitKind.RESIDENTIAL_GROUP, UnitKind.VILLAGE]
    return scope.filter(AdministrativeUnit.objects.filter(valid_to__isnull=True, kind__in=kinds), "path")


def compose_channels(*, official) -> QuerySet[Channel]:
    scope = scope_of(official).narrowed("broadcasts.compose")
    return scope.filter(Channel.objects.filter(is_active=True).select_related("unit"), "unit__path")


def group_list(*, official) -> QuerySet[CommunityGroup]:
    households = Household.objects.filter(group=OuterRef("pk")).values("group").annotate(n=Count("pk")).values("n")
    return _scoped(
        official,
        CommunityGroup.objects.select_related("unit", "residential_group")
        .annotate(
            member_count=Count("members"),
            leader_count=Count("members", filter=Q(members__role="leader")),
            household_count=Coalesce(Subquery(households), 0),
            chat_members=F("chat__member_count"),
        )
        .order_by("unit__path", "name"),
        "unit__path",
    )


def groups_with_chat(*, official) -> QuerySet[CommunityGroup]:
    """Community groups with an active Zalo chat that the official may post to (the composer's group choice)."""
    return groups_to_manage(official=official).filter(chat__status="active")


def groups_to_manage(*, official) -> QuerySet[CommunityGroup]:
    """Groups the official may change (broadcasts.compose), e.g. where a household can move to."""
    return _scoped(
        official,
        CommunityGroup.objects.select_related("unit").order_by("unit__path", "name"),
        "unit__path",
        capabilities=("broadcasts.compose",),
    )


def residential_groups_without_community(*, official) -> QuerySet[AdministrativeUnit]:
    """Residential groups and villages in the official's communes that have no community group yet."""
    scope = scope_of(official).narrowed("broadcasts.compose")
    units = AdministrativeUnit.objects.filter(
        valid_to__isnull=True, kind__in=[UnitKind.RESIDENTIAL_GROUP, UnitKind.VILLAGE]
    ).exclude(pk__in=CommunityGroup.objects.exclude(residential_group=None).values("residential_group"))
    return scope.filter(units.select_related("parent"), "path").order_by("path")


def communes_without_leaders_group(*, official) -> QuerySet[AdministrativeUnit]:
    """Communes and wards of the official with no ward-level community group (its residential-group leaders') yet."""
    scope = scope_of(official).narrowed("broadcasts.compose")
    units = AdministrativeUnit.objects.filter(valid_to__isnull=True, kind__in=COMMUNE_KINDS).exclude(
        pk__in=CommunityGroup.objects.filter(residential_group=None).values("unit")
    )
    return scope.filter(units, "path").order_by("path")


def group_households(group: CommunityGroup) -> list[Household]:
    """The group's households in house-number order ("Số 2" before "Số 12"), each with its members."""
    households = list(
        group.households.prefetch_related(
            Prefetch(
                "members",
                GroupMember.objects.select_related("channel_contact__contact", "channel_contact__channel").order_by(
                    "-role", "pk"
                ),
            )
        )
    )
    return sorted(households, key=lambda h: _natural(h.label_key))


def _natural(text: str) -> list:
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part]


def group_get(*, official, uuid) -> CommunityGroup:
    found = group_list(official=official).filter(uuid=uuid).first()
    if found is None:
        raise Http404
    return found


def group_members(group: CommunityGroup):
    return group.members.select_related("channel_contact__contact", "channel_contact__channel", "household").order_by(
        "-role", "household__label_key", "pk"
    )


def chat_group_of(group: CommunityGroup):
    """The group's chat (Zalo GMF) or None."""
    from .models import ChatGroup

    return ChatGroup.objects.select_related("channel").filter(community_group=group).first()


def chat_group_messages(chat_group, *, limit: int = 50) -> list:
    """The latest messages of the group chat, oldest first: members' and the OA's posts (with the post's status)."""
    from .models import ChatGroupMessage

    rows = (
        ChatGroupMessage.objects.filter(chat_group=chat_group)
        .select_related("channel_contact", "author", "outbound")
        .order_by("-occurred_at", "-id")[:limit]
    )
    return list(reversed(rows))


def members_without_household(group: CommunityGroup):
    return group_members(group).filter(household=None)


# --- progress and statistics -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    total: int  # recipients the fan-out will write (estimate until the fan-out finishes)
    queued: int
    sending: int
    sent: int
    delivered: int
    seen: int
    failed: int
    unreachable: int
    cancelled: int

    @property
    def finished(self) -> int:
        """Messages whose fate is known: everything but queued and sending."""
        return self.sent + self.delivered + self.seen + self.failed + self.unreachable + self.cancelled

    @property
    def percent(self) -> int:
        if self.total <= 0:
            return 100
        return min(100, int(self.finished * 100 / self.total))

    @property
    def reached(self) -> int:
        return self.sent + self.delivered + self.seen


def broadcast_progress(broadcast: Broadcast) -> Progress:
    """Counts of the broadcast's outbox rows by status (one GROUP BY on the indexed source columns)."""
    counts = dict(
        OutboundMessage.objects.filter(source_type=SOURCE_TYPE, source_id=broadcast.source_id, fallback_of=None)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    written = sum(counts.values())
    total = written if broadcast.fanout_finished_at else max(written, broadcast.recipients_estimate)
    return Progress(
        total=total,
        queued=counts.get(Status.QUEUED, 0),
        sending=counts.get(Status.SENDING, 0),
        sent=counts.get(Status.SENT, 0),
        delivered=counts.get(Status.DELIVERED, 0),
        seen=counts.get(Status.SEEN, 0),
        failed=counts.get(Status.FAILED, 0),
        unreachable=counts.get(Status.UNREACHABLE, 0),
        cancelled=counts.get(Status.CANCELLED, 0),
    )


def group_reach(broadcast: Broadcast) -> list[dict]:
    """Per community group of the broadcast's unit subtree: members, and members the broadcast reached. Posted into
    group chats: each group's members now, all reached once its post is sent."""
    if broadcast.to_group_chats:
        from .models import ChatGroupMessage

        posts = ChatGroupMessage.objects.filter(source_type=SOURCE_TYPE, source_id=broadcast.source_id).values(
            "chat_group__community_group__name",
            "chat_group__community_group__uuid",
            "chat_group__member_count",
            "outbound__status",
        )
        sent = (Status.SENT, Status.DELIVERED, Status.SEEN)
        return [
            {
                "group__name": p["chat_group__community_group__name"],
                "group__uuid": p["chat_group__community_group__uuid"],
                "members": p["chat_group__member_count"],
                "reached": p["chat_group__member_count"] if p["outbound__status"] in sent else 0,
            }
            for p in sorted(posts, key=lambda p: p["chat_group__community_group__name"])
        ]
    reached = OutboundMessage.objects.filter(
        source_type=SOURCE_TYPE,
        source_id=broadcast.source_id,
        channel_contact=OuterRef("channel_contact"),
        status__in=(Status.SENT, Status.DELIVERED, Status.SEEN),
    )
    rows = (
        GroupMember.objects.filter(group__unit__path__startswith=broadcast.unit.path)
        .annotate(hit=Exists(reached))
        .values("group__name", "group__uuid")
        .annotate(members=Count("pk"), reached=Count("pk", filter=Q(hit=True)))
        .order_by("group__name")
    )
    return [r for r in rows if r["members"]]


# --- internal channel --------------------------------------------------------------------------------------------


def notices_for(*, official, unread_only: bool = False) -> QuerySet[InternalNotice]:
    qs = InternalNotice.objects.filter(user=official)
    return qs.filter(read_at__isnull=True) if unread_only else qs


def notice_get(*, official, uuid) -> InternalNotice:
    found = notices_for(official=official).filter(uuid=uuid).first()
    if found is None:
        raise Http404
    return found


def meeting_list(*, official) -> QuerySet[Meeting]:
    """Meetings the official takes part in or may manage."""
    scope = scope_of(official).narrowed("meetings.manage")
    mine = Q(participants__user=official) | Q(organizer=official)
    managed = scope.q("unit__path") if scope.can("meetings.manage") else Q(pk__in=[])
    return Meeting.objects.filter(mine | managed).select_related("unit", "organizer").distinct()


def meeting_get(*, official, uuid) -> Meeting:
    found = meeting_list(official=official).filter(uuid=uuid).first()
    if found is None:
        raise Http404
    return found


def unread_notice_count(scope) -> int:
    """For the navigation: the acting official's unread notices."""
    if scope.user_id is None:
        return 0
    return InternalNotice.objects.filter(user_id=scope.user_id, read_at__isnull=True).count()
