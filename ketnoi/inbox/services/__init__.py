"""The inbox's writes. The conversation engine needs handoff_open, handoff_citizen_wrote, handoff_return_to_bot and
handoff_assistant_answered (and selectors.open_handoff_for)."""

from .handoffs import (
    back_to_bot_payload,
    handoff_assign,
    handoff_citizen_wrote,
    handoff_close,
    handoff_open,
    handoff_return_to_bot,
    handoff_take,
    handoff_transfer,
    handoff_unassign,
)
from .replies import handoff_add_note, handoff_assistant_answered, handoff_reply, template_data
from .team import canned_reply_delete, canned_reply_save, duty_set, service_policy_save

__all__ = [
    "back_to_bot_payload",
    "canned_reply_delete",
    "canned_reply_save",
    "duty_set",
    "handoff_add_note",
    "handoff_assign",
    "handoff_assistant_answered",
    "handoff_citizen_wrote",
    "handoff_close",
    "handoff_open",
    "handoff_reply",
    "handoff_return_to_bot",
    "handoff_take",
    "handoff_transfer",
    "handoff_unassign",
    "service_policy_save",
    "template_data",
]
