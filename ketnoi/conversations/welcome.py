"""Following and unfollowing an official account.

Follow (a QR at the desk or on a receipt included): the welcome of this OA (Channel.config["welcome_text"], or a
default naming the account), the dossier the follow linked when the QR carried a receipt token (dossiers/inbound.py
made the link just before, in the inbound pipeline), and the main menu with its buttons. Following opens the free 48-hour window, so
the welcome costs nothing. Unfollow: no message; queued bulk messages to the person are cancelled and they are
unsubscribed from non-essential broadcasts (dossier notices, which they asked for, still fall back by phone).
"""

from django.utils import translation
from django.utils.translation import gettext as _

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import InboundEvent
from ketnoi.contacts.models import ChannelContact
from ketnoi.dossiers.models import Dossier

from .engine import Turn, finish
from .registry import all_facts
from .services import session_for


def welcome_text(channel: Channel, language: str = "vi") -> str:
    with translation.override(language):
        return channel.config.get("welcome_text") or _(
            "Welcome to %(name)s. Here you can follow your dossiers, find administrative procedures and send us "
            "your questions."
        ) % {"name": channel.name}


def welcome(*, person: ChannelContact, event: InboundEvent, linked: Dossier | None = None) -> None:
    """Runs inside the event's transaction: the welcome is queued if and only if the follow is recorded.
    `linked`: the dossier the follow's QR linked the person to."""
    session = session_for(person, facts=all_facts())
    if session.last_event_key == event.dedup_key[:120]:
        return
    session.language = person.contact.language or session.language or "vi"
    turn = Turn(channel=person.channel, channel_contact=person, session=session, event=event)
    turn.input_kind = "follow"
    turn.note = "welcome"
    turn.source_type = "follow"
    with translation.override(turn.language):
        intro = [welcome_text(person.channel, turn.language)]
        if linked is not None:
            intro.append(  # the dossier's own "linked" notice carries its code and status
                _(
                    "Your dossier (%(procedure)s) is linked: its notices will come here. Type its code at any time to see its status."
                )
                % {"procedure": linked.procedure.name}
            )
            turn.note = "welcome-linked"
        turn.done()
        turn.show_menu(intro="\n".join(intro))
        finish(turn)


def goodbye(*, person: ChannelContact) -> None:
    """Unfollowed: no message; bulk messages cancelled, non-essential subscriptions stopped, the session reset."""
    from .services import session_reset
    from .unsubscribe import stop_non_essential

    stop_non_essential(channel_contact=person)
    session_reset(session=session_for(person))
