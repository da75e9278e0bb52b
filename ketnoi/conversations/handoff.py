"""The officials' inbox as the engine sees it (ketnoi.inbox): open a hand-off, hand the conversation back to the
bot when the citizen asks for it, and show the officials what the assistant answered while one was open (a tapped
button still works). Whether one is open the engine is told (turn.handoff): the inbox found it, and attached the
message to it, before the engine ran (ketnoi/pipeline/inbound.py)."""

from ketnoi.inbox.inbound import handoff_for_message
from ketnoi.inbox.services import handoff_assistant_answered, handoff_open, handoff_return_to_bot
from ketnoi.outbox.models import OutboundMessage


def request(turn, *, reason: str):
    """The citizen asked for an official: open the hand-off and put the message that asked into it."""
    handoff = handoff_open(channel_contact=turn.channel_contact, reason=reason, requested_by_citizen=True)
    if turn.message is not None:
        handoff_for_message(person=turn.channel_contact, message=turn.message)
    return handoff


def leave(turn) -> None:
    """An escape word during a hand-off: the conversation goes back to the bot (closed as returned by the citizen)."""
    if turn.handoff is not None:
        handoff_return_to_bot(handoff=turn.handoff, by_citizen=True)


def record_assistant_turn(turn, messages: list[OutboundMessage]) -> None:
    """During a hand-off the assistant answered the citizen itself (a button they tapped, the flow it started): the
    officials' thread gets what the button meant and what the citizen was told, after the citizen's own message."""
    from .engine import button_meaning

    handoff_assistant_answered(channel_contact=turn.channel_contact, meaning=button_meaning(turn), messages=messages)
