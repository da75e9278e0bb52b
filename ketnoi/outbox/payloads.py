"""OutboundPayload <-> JSON, so a row can carry the exact message the channel type will send."""

import dataclasses
from typing import Any

from ketnoi.channels.types.base import Button, OutboundPayload, Recipient


def payload_to_json(payload: OutboundPayload) -> dict[str, Any]:
    data = dataclasses.asdict(payload)
    data["buttons"] = [dataclasses.asdict(b) for b in payload.buttons]
    return {k: v for k, v in data.items() if v not in ("", (), [], {}) or k == "kind"}


def payload_from_json(data: dict[str, Any]) -> OutboundPayload:
    names = {f.name for f in dataclasses.fields(OutboundPayload)}
    values = {k: v for k, v in data.items() if k in names}
    values["buttons"] = tuple(Button(**b) for b in values.get("buttons", ()))
    return OutboundPayload(**values)


def recipient_of(message) -> Recipient:
    """The provider address of a row, with the window facts of the person when the channel knows them."""
    contact = message.channel_contact
    return Recipient(
        user_id=message.recipient_user_id,
        phone=message.recipient_phone,
        last_interaction_at=contact.last_interaction_at if contact else None,
        is_follower=contact.is_follower if contact else False,
    )
