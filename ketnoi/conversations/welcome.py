"""Following and unfollowing an official account.

Follow (a QR at the desk or on a receipt included): the welcome of this OA (Channel.config["welcome_text"], or a
default naming the account), the dossier the follow linked when the QR carried a receipt token (the dossiers
handler, order 30, made the link), and the main menu with its buttons. Following opens the free 48-hour window, so
the welcome costs nothing. Unfollow: no message; queued bulk messages to the person are cancelled and they are
unsubscribed from non-essential broadcasts (dossier notices, which they asked for, still fall back by phone).
"""

from django.utils import translation
from django.utils.translation import gettext as _

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import InboundEvent
from ketnoi.contacts.models import ChannelContact
from ketnoi.dossiers.tokens import dossier_from_token

from .engine import Turn, finish, session_for
from .models import IDLE, ConversationStep


def welcome_text(channel: Channel, language: str = "vi") -> str:
    with translation.override(language):
        return channel.config.get("welcome_text") or _(
            "Welcome to %(name)s. Here you can follow your dossiers, find administrative procedures and send us "
            "your questions."
        ) % {"name": channel.name}


def _follower(channel: Channel, event: InboundEvent) -> ChannelContact | None:
    return (
        ChannelContact.objects.select_related("contact", "channel")
        .filter(channel=channel, user_id=event.user_id)
        .first()
    )


def welcome_on_follow(channel: Channel, event: InboundEvent) -> None:
    """Runs inside the event's transaction: the welcome is queued if and only if the follow is recorded."""
    follower = _follower(channel, event)
    if follower is None:
        return
    session = session_for(follower)
    if ConversationStep.objects.filter(session=session, event_key=event.dedup_key[:120]).exists():
        return
    session.language = follower.contact.language or session.language or "vi"
    turn = Turn(channel=channel, channel_contact=follower, session=session, event=event)
    turn.input_kind = "follow"
    turn.note = "welcome"
    turn.source_type = "follow"
    with translation.override(turn.language):
        intro = [welcome_text(channel, turn.language)]
        dossier = dossier_from_token(event.source) if event.source else None
        if dossier is not None and follower.dossier_links.filter(dossier=dossier, is_active=True).exists():
            intro.append(  # the dossier's own "linked" notice carries its code and status
                _(
                    "Your dossier (%(procedure)s) is linked: its notices will come here. Type its code at any time to see its status."
                )
                % {"procedure": dossier.procedure.name}
            )
            turn.note = "welcome-linked"
        turn.done()
        turn.show_menu(intro="\n".join(intro))
        finish(turn)


def goodbye_on_unfollow(channel: Channel, event: InboundEvent) -> None:
    follower = _follower(channel, event)
    if follower is None:
        return
    from .unsubscribe import stop_non_essential

    stop_non_essential(channel_contact=follower)
    session = session_for(follower)
    if session.state != IDLE:
        session.state = IDLE
        session.context = {}
        session.expires_at = None
        session.save(update_fields=["state", "context", "expires_at"])
