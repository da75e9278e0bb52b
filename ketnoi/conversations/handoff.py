"""The officials' inbox as the engine sees it (ketnoi.inbox, issue 6 part 4): is a hand-off open for this person,
open one, and leave it when the citizen asks for the bot again. While one is open the engine stays silent and the
inbox keeps the conversation."""

from ketnoi.contacts.models import ChannelContact


def open_handoff(channel_contact: ChannelContact):
    try:
        from ketnoi.inbox.selectors import open_handoff_for
    except ImportError:  # the inbox is not installed yet
        return None
    return open_handoff_for(channel_contact)


def is_open(channel_contact: ChannelContact) -> bool:
    return open_handoff(channel_contact) is not None


def available() -> bool:
    try:
        from ketnoi.inbox.services import handoff_open  # noqa: F401
    except ImportError:
        return False
    return True


def request(*, channel_contact: ChannelContact, reason: str, by_citizen: bool = True):
    from ketnoi.inbox.services import handoff_open

    return handoff_open(channel_contact=channel_contact, reason=reason, requested_by_citizen=by_citizen)


def leave(turn) -> None:
    """The citizen typed an escape word during a hand-off: hand the conversation back to the bot, if the inbox
    offers it (it closes the hand-off as returned by the citizen)."""
    try:
        from ketnoi.inbox.services import handoff_return_to_bot
    except ImportError:
        return
    handoff = open_handoff(turn.channel_contact)
    if handoff is not None:
        handoff_return_to_bot(handoff=handoff, by_citizen=True)
