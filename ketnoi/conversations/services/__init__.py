"""Writes of the conversation app: the person's session and its step log (the engine's turns), and the person's
language. The engine and the flows decide; these write."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ketnoi.contacts.models import ChannelContact, Contact
from ketnoi.core.audit import audit_record

from ..models import IDLE, ConversationSession, ConversationStep

LANGUAGES = ("vi", "en")


@transaction.atomic
def contact_set_language(*, contact: Contact, language: str) -> Contact:
    """The citizen asked for another language: every later message to them (chat, notices) uses it."""
    if language not in LANGUAGES:
        raise ValueError(f"Unsupported language {language!r}.")
    if contact.language == language:
        return contact
    before = {"language": contact.language}
    contact.language = language
    contact.save(update_fields=["language"])
    audit_record(
        actor=None, action="contact.language", target=contact, unit_path="", before=before, after={"language": language}
    )
    return contact


def session_for(channel_contact: ChannelContact, *, facts: dict | None = None) -> ConversationSession:
    """The person's session, locked (created on first use), with `facts` (expressions on the session) annotated.
    One statement for a known person. Inside the inbound event's transaction."""
    locked = ConversationSession.objects.select_for_update(of=("self",)).annotate(**(facts or {}))
    session = locked.filter(channel_contact=channel_contact).first()
    if session is None:
        session, _created = ConversationSession.objects.get_or_create(
            channel_contact=channel_contact, defaults={"language": channel_contact.contact.language or "vi"}
        )
        session = locked.get(pk=session.pk)
    session.channel_contact = channel_contact
    return session


def session_record_turn(
    *,
    session: ConversationSession,
    to_state: str,
    event_key: str,
    input_kind: str,
    input_excerpt: str,
    replies: int,
    note: str,
    minutes: int,
) -> ConversationStep:
    """A turn is over: the session moves to `to_state` (expiring `minutes` later unless idle, the flow's values
    forgotten when idle), and the step log gets one row. Not audited: the step log is the record."""
    now = timezone.now()
    before = session.state
    session.state = to_state
    if to_state == IDLE:
        session.context.pop("data", None)
    session.expires_at = None if to_state == IDLE else now + dt.timedelta(minutes=minutes)
    session.turns += 1
    session.updated_at = now
    session.last_event_key = event_key
    session.save()
    return ConversationStep.objects.create(
        session=session,
        event_key=event_key,
        input_kind=input_kind,
        input_excerpt=input_excerpt,
        from_state=before,
        to_state=to_state,
        replies=replies,
        note=note[:120],
    )


def session_reset(*, session: ConversationSession) -> None:
    """Back to the main menu with nothing remembered (the person unfollowed)."""
    if session.state != IDLE:
        session.state = IDLE
        session.context = {}
        session.expires_at = None
        session.save(update_fields=["state", "context", "expires_at"])
