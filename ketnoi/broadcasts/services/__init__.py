"""Writes of the broadcasts app. Import from here: `from ketnoi.broadcasts.services import subscription_set`."""

from .approval import (
    broadcast_approve,
    broadcast_cancel,
    broadcast_finish_if_done,
    broadcast_reject,
    broadcast_submit,
    broadcast_withdraw,
)
from .audience import group_create, group_member_set, tag_add, tag_remove, tags_from_provider
from .compose import (
    BroadcastContent,
    broadcast_create,
    broadcast_estimate,
    broadcast_update,
    payload_for,
    template_pre_approve,
    template_save,
)
from .fanout import fanout_run, fanout_step
from .groups import (
    group_for_residential_group,
    household_join,
    household_move,
    household_remove,
    household_save,
    households_import,
    leader_set,
    member_add_by_phone,
    member_remove,
)
from .internal import (
    approval_request_notify,
    document_notify,
    notice_mark_read,
    official_link_by_code,
    official_link_code,
    official_notify,
    official_unlink,
)
from .subscriptions import subscription_for, subscription_set

__all__ = [
    "BroadcastContent",
    "approval_request_notify",
    "broadcast_approve",
    "broadcast_cancel",
    "broadcast_create",
    "broadcast_estimate",
    "broadcast_finish_if_done",
    "broadcast_reject",
    "broadcast_submit",
    "broadcast_update",
    "broadcast_withdraw",
    "document_notify",
    "fanout_run",
    "fanout_step",
    "group_create",
    "group_for_residential_group",
    "group_member_set",
    "household_join",
    "household_move",
    "household_remove",
    "household_save",
    "households_import",
    "leader_set",
    "member_add_by_phone",
    "member_remove",
    "notice_mark_read",
    "official_link_by_code",
    "official_link_code",
    "official_notify",
    "official_unlink",
    "payload_for",
    "subscription_for",
    "subscription_set",
    "tag_add",
    "tag_remove",
    "tags_from_provider",
    "template_pre_approve",
    "template_save",
]
