"""OutboundPayload <-> JSON, so a row can carry the exact message the channel type will send."""

import copy
import dataclasses
from typing import Any

from ketnoi.channels.types.base import Button, OutboundPayload, Recipient

_PAYLOAD_FIELDS = tuple(f.name for f in dataclasses.fields(OutboundPayload))
_BUTTON_FIELDS = tuple(f.name for f in dataclasses.fields(Button))
_PAYLOAD_NAMES = frozenset(_PAYLOAD_FIELDS)


def payload_to_json(payload: OutboundPayload) -> dict[str, Any]:
    """The payload's non-empty fields (kind always), buttons as dicts; values copied so the row owns them.
    (Field by field rather than dataclasses.asdict: it runs for every queued message.)"""
    data = {}
    for name in _PAYLOAD_FIELDS:
        value = getattr(payload, name)
        if name == "buttons":
            value = [{f: getattr(b, f) for f in _BUTTON_FIELDS} for b in value]
        elif isinstance(value, dict | list):
            value = copy.deepcopy(value)
        if value not in ("", (), [], {}) or name == "kind":
            data[name] = value
    return data


def payload_from_json(data: dict[str, Any]) -> OutboundPayload:
    values = {k: v for k, v in data.items() if k in _PAYLOAD_NAMES}
    values["buttons"] = tuple(Button(**b) for b in values.get("buttons", ()))
    return OutboundPayload(**values)


GROUP_PREFIX = "group:"
"""A row addressed to a group chat the channel owns (GMF) keeps "group:<provider group id>" as recipient_user_id:
one post per group, its own line in the lane (a group's posts leave in order), no person and no window."""


def group_address(group_id: str) -> str:
    return GROUP_PREFIX + group_id


def recipient_of(message) -> Recipient:
    """The provider address of a row, with the window facts of the person when the channel knows them."""
    if message.recipient_user_id.startswith(GROUP_PREFIX):
        return Recipient(group_id=message.recipient_user_id[len(GROUP_PREFIX) :])
    contact = message.channel_contact
    return Recipient(
        user_id=message.recipient_user_id,
        phone=message.recipient_phone,
        last_interaction_at=contact.last_interaction_at if contact else None,
        is_follower=contact.is_follower if contact else False,
    )
