"""Writes of the conversation app: the person's session and its step log (the engine's turns), and the person's
language. The engine and the flows decide; these write."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ketnoi.contacts.models import ChannelContact, Contact
from ketnoi.core.audit import audit_record
from ketnoi.core.prepared import PreparedRead, insert, update_fields

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
    One statement for a known person, compiled once per `facts` dict (pass the same dict each time: the registry's
    all_facts()). Inside the inbound event's transaction."""
    session = _session_read(facts or _NO_FACTS).first(channel_contact_id=channel_contact.pk)
    if session is None:
        session, _created = ConversationSession.objects.get_or_create(
            channel_contact=channel_contact, defaults={"language": channel_contact.contact.language or "vi"}
        )
        locked = ConversationSession.objects.select_for_update(of=("self",)).annotate(**(facts or {}))
        session = locked.get(pk=session.pk)
    session.channel_contact = channel_contact
    return session


_NO_FACTS: dict = {}
_session_reads: dict[int, tuple[dict, PreparedRead]] = {}


def _session_read(facts: dict) -> PreparedRead:
    entry = _session_reads.get(id(facts))
    if entry is None or entry[0] is not facts:
        read = PreparedRead(
            lambda channel_contact_id: (
                ConversationSession.objects.select_for_update(of=("self",))
                .annotate(**facts)
                .filter(channel_contact_id=channel_contact_id)
                .order_by("pk")[:1]
            ),
            channel_contact_id=int,
        )
        entry = _session_reads[id(facts)] = (facts, read)
    return entry[1]


# What a turn changes on the session (the engine sets the language; the flows, the context).
_TURN_FIELDS = ("state", "context", "language", "expires_at", "turns", "last_event_key", "updated_at")


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
    update_fields(session, _TURN_FIELDS)
    step = ConversationStep(
        session=session,
        event_key=event_key,
        input_kind=input_kind,
        input_excerpt=input_excerpt,
        from_state=before,
        to_state=to_state,
        replies=replies,
        note=note[:120],
    )
    return insert(step)


def session_reset(*, session: ConversationSession) -> None:
    """Back to the main menu with nothing remembered (the person unfollowed)."""
    if session.state != IDLE:
        session.state = IDLE
        session.context = {}
        session.expires_at = None
        session.save(update_fields=["state", "context", "expires_at"])
