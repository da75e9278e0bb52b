"""Broadcasts and what they reach: subscriptions, tags, community groups, the officials' internal channel."""

from .audience import (
    AudienceTag,
    CommunityGroup,
    GroupMember,
    GroupRole,
    Household,
    HouseholdSource,
    Subscription,
    Topic,
    household_key,
)
from .broadcast import Broadcast, BroadcastTemplate, BroadcastTransition, ProviderPath
from .chatgroups import ChatGroup, ChatGroupMember, ChatGroupMessage, ChatGroupStatus
from .internal import Attendance, InternalNotice, LinkCode, Meeting, MeetingParticipant, OfficialLink

__all__ = [
    "Attendance",
    "AudienceTag",
    "Broadcast",
    "BroadcastTemplate",
    "BroadcastTransition",
    "ChatGroup",
    "ChatGroupMember",
    "ChatGroupMessage",
    "ChatGroupStatus",
    "CommunityGroup",
    "GroupMember",
    "GroupRole",
    "Household",
    "HouseholdSource",
    "InternalNotice",
    "LinkCode",
    "Meeting",
    "MeetingParticipant",
    "OfficialLink",
    "ProviderPath",
    "Subscription",
    "Topic",
    "household_key",
]
