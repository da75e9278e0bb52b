"""Fan-out: turn an approved broadcast into outbox rows, a batch per transaction, resumable from a cursor.

Each batch locks the broadcast row, reads the recipients among the next page of followers after `fanout_cursor`
(a page is a fixed number of the channels' followers, so its cost does not grow with the audience), writes their
outbox rows with outbox_enqueue_many (idempotency key broadcast:<id>:<channel contact id>, so a batch written twice
after a crash adds nothing), and moves the cursor, all in one transaction. A runner killed between batches loses
nothing: the next runner (the resume job re-enqueues stalled fan-outs) continues from the committed cursor. Two
runners at once serialise on the row lock. Recipients are never all in memory: one page at a time.

On PostgreSQL a page is written by one INSERT ... SELECT from the page's own query (ketnoi.outbox.bulk), so the
rows are built by the database instead of in Python (~50x faster); same keys, same rows, same cursor. Template
messages by phone still go through Python (the phone is normalised there), as does SQLite.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from ketnoi.channels.models import Channel
from ketnoi.contacts.models import ChannelContact
from ketnoi.core.phones import InvalidPhoneNumber, normalize_phone
from ketnoi.outbox.bulk import SOURCE, outbox_enqueue_from_query
from ketnoi.outbox.models import Lane, OutboundMessage
from ketnoi.outbox.payloads import payload_to_json
from ketnoi.outbox.services import outbox_enqueue_many

from .. import conf
from ..audience import audience_of, chat_groups_of, recipients
from ..models import Broadcast, ChatGroupMessage, ProviderPath
from ..states import State
from .approval import SOURCE_TYPE, broadcast_finish_if_done
from .compose import group_payload_for, payload_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    """What one fan-out batch did: recipients read, outbox rows written, where the cursor goes, whether done."""

    selected: int
    added: int
    cursor: int | None
    finished: bool


def key_prefix(broadcast_id: int) -> str:
    return f"broadcast:{broadcast_id}:"


def broadcast_key(broadcast_id: int, channel_contact_id: int) -> str:
    return f"{key_prefix(broadcast_id)}{channel_contact_id}"


def is_promotional(broadcast: Broadcast) -> bool:
    """News and policies are promotional for the provider's night rule; emergency alerts never are."""
    return not broadcast.is_emergency


def send_after(broadcast: Broadcast, channel: Channel, now: dt.datetime) -> dt.datetime:
    if not is_promotional(broadcast):
        return now
    release = conf.night_release(now, conf.night_hours(channel.channel_type))
    return release or now


def _phone(*candidates: str) -> str:
    for value in candidates:
        if value:
            try:
                return normalize_phone(value)
            except InvalidPhoneNumber:
                continue
    return ""


def build_messages(broadcast: Broadcast, rows, channels: dict[int, Channel], *, now=None) -> list[OutboundMessage]:
    """Unsaved outbox rows for a page of recipients (id, channel id, user id, language, shared phone, phone)."""
    now = now or timezone.now()
    payloads = {lang: payload_to_json(payload_for(broadcast, language=lang)) for lang in ("vi", "en")}
    kind = payload_for(broadcast).kind
    lane = Lane.EMERGENCY if broadcast.is_emergency else Lane.BULK
    by_phone = broadcast.path == ProviderPath.TEMPLATE
    after = {pk: send_after(broadcast, channel, now) for pk, channel in channels.items()}
    messages = []
    for contact_id, channel_id, user_id, language, shared_phone, phone in rows:
        messages.append(
            OutboundMessage(
                channel_id=channel_id,
                channel_contact_id=contact_id,
                recipient_user_id=user_id,
                recipient_phone=_phone(shared_phone, phone) if by_phone else "",
                lane=lane,
                kind=kind,
                payload=payloads["en" if language == "en" else "vi"],
                idempotency_key=broadcast_key(broadcast.pk, contact_id),
                source_type=SOURCE_TYPE,
                source_id=broadcast.source_id,
                next_attempt_at=after[channel_id],
                created_at=now,
            )
        )
    return messages


def uses_sql(broadcast: Broadcast) -> bool:
    """Whether pages are written by one INSERT ... SELECT (PostgreSQL, not by phone; BROADCAST_FANOUT_SQL=False
    turns it off)."""
    return (
        connection.vendor == "postgresql"
        and broadcast.path != ProviderPath.TEMPLATE
        and getattr(settings, "BROADCAST_FANOUT_SQL", True)
    )


@dataclass(frozen=True)
class Page:
    """The recipients among the next `size` followers of the broadcast's channels after the cursor, and where the
    cursor goes. Bounded by followers, not by recipients: the audience's own conditions (area, topic, tags) are
    read for at most `size` rows a page, however the planner estimates them, so every page costs the same at any
    size (a LIMIT over the audience query made PostgreSQL hash the whole subscription table per page)."""

    recipients: QuerySet[ChannelContact]
    cursor: int | None  # the last follower id this page covers; None: every follower after the old cursor
    finished: bool


def _page(broadcast: Broadcast, size: int) -> Page:
    audience = audience_of(broadcast)
    after = broadcast.fanout_cursor
    followers = ChannelContact.objects.filter(channel_id__in=audience.channel_ids, is_follower=True, pk__gt=after)
    bound = followers.order_by("pk").values_list("pk", flat=True)[size - 1 : size].first()
    rows = recipients(audience).filter(pk__gt=after)
    if bound is None:  # fewer than `size` followers left: this is the last page
        return Page(rows.order_by("pk"), None, True)
    return Page(rows.filter(pk__lte=bound).order_by("pk"), bound, False)


def _enqueue_in_python(broadcast: Broadcast, size: int, now) -> Step:
    page = _page(broadcast, size)
    rows = list(
        page.recipients.values_list(
            "pk", "channel_id", "user_id", "contact__language", "shared_phone", "contact__phone"
        )
    )
    if not rows:
        return Step(0, 0, page.cursor, page.finished)
    channels = {c.pk: c for c in Channel.objects.filter(pk__in={r[1] for r in rows})}
    added = outbox_enqueue_many(messages=build_messages(broadcast, rows, channels, now=now))
    return Step(len(rows), added, page.cursor or rows[-1][0], page.finished)


def _enqueue_in_sql(broadcast: Broadcast, size: int, now) -> Step:
    """The same rows as build_messages, built by the database from the page's query."""
    where = _page(broadcast, size)
    payloads = {lang: payload_to_json(payload_for(broadcast, language=lang)) for lang in ("vi", "en")}
    payload_field = OutboundMessage._meta.get_field("payload")
    prepared = [payload_field.get_db_prep_save(payloads[lang], connection) for lang in ("en", "vi")]
    columns = {"r_id": F("pk"), "r_channel": F("channel_id"), "r_user": F("user_id")}
    if payloads["en"] == payloads["vi"]:
        # No English text: everyone gets the same message, so the page does not read each follower's Contact
        # for their language (one index lookup a recipient fewer).
        payload = ("%s", prepared[1:])
    else:
        columns["r_language"] = F("contact__language")
        payload = (f"CASE WHEN {SOURCE}.r_language = 'en' THEN %s ELSE %s END", prepared)
    page = where.recipients.values(**columns)
    channels = broadcast.channels.all()
    after = {c.pk: send_after(broadcast, c, now) for c in channels}
    if len(set(after.values())) <= 1:  # the usual case (an alert, or daytime): one value, not a CASE of 300 OAs
        release = ("%s", [next(iter(after.values()), now)])
    else:
        whens = " ".join("WHEN %s THEN %s" for _pk in after)
        release = (f"CASE {SOURCE}.r_channel {whens} END", [v for pair in after.items() for v in pair])
    result = outbox_enqueue_from_query(
        source=page.query.sql_with_params(),
        key_column="r_id",
        per_row={
            "channel": (f"{SOURCE}.r_channel", []),
            "channel_contact": (f"{SOURCE}.r_id", []),
            "recipient_user_id": (f"{SOURCE}.r_user", []),
            "payload": payload,
            "idempotency_key": (f"%s || {SOURCE}.r_id::text", [key_prefix(broadcast.pk)]),
            "next_attempt_at": release,
        },
        same_for_all={
            "recipient_phone": "",
            "lane": Lane.EMERGENCY if broadcast.is_emergency else Lane.BULK,
            "kind": payload_for(broadcast).kind,
            "source_type": SOURCE_TYPE,
            "source_id": broadcast.source_id,
            "created_at": now,
        },
    )
    return Step(result.selected, result.inserted, where.cursor or result.last, where.finished)


def group_key(broadcast_id: int, chat_group_id: int) -> str:
    return f"{key_prefix(broadcast_id)}g{chat_group_id}"


def _post_into_groups(broadcast: Broadcast, size: int, now) -> Step:
    """A page of group chats (cursor = ChatGroup id): one outbox row per group, addressed to the group, and the post
    kept with the group (ChatGroupMessage). A thousand groups of a thousand members are a thousand rows."""
    from ketnoi.channels.types.zalo.assumptions import gmf
    from ketnoi.outbox.payloads import group_address

    chats = list(
        chat_groups_of(broadcast).filter(pk__gt=broadcast.fanout_cursor).select_related("channel").order_by("pk")[:size]
    )
    if not chats:
        return Step(0, 0, None, True)
    payload = group_payload_for(broadcast)
    payload_json = payload_to_json(payload)
    lane = Lane.EMERGENCY if broadcast.is_emergency else Lane.BULK
    # Unconfirmed group message rate (assumptions.gmf("max_posts_per_minute"); 0: only the OA's call quota paces).
    rate = int(gmf("max_posts_per_minute") or 0)
    already = broadcast.fanout_enqueued
    messages = []
    for n, chat in enumerate(chats):
        after = send_after(broadcast, chat.channel, now)
        if rate:
            after += dt.timedelta(minutes=(already + n) // rate)
        messages.append(
            OutboundMessage(
                channel_id=chat.channel_id,
                recipient_user_id=group_address(chat.provider_group_id),
                lane=lane,
                kind=payload.kind,
                payload=payload_json,
                idempotency_key=group_key(broadcast.pk, chat.pk),
                source_type=SOURCE_TYPE,
                source_id=broadcast.source_id,
                next_attempt_at=after,
                created_at=now,
            )
        )
    added = outbox_enqueue_many(messages=messages)
    rows = dict(
        OutboundMessage.objects.filter(idempotency_key__in=[m.idempotency_key for m in messages]).values_list(
            "idempotency_key", "pk"
        )
    )
    ChatGroupMessage.objects.bulk_create(
        [
            ChatGroupMessage(
                chat_group=chat,
                direction=ChatGroupMessage.OUT,
                author_id=broadcast.author_id,
                kind=payload.kind,
                text=payload.text,
                attachments=[{"type": "image", "url": payload.media_url, "name": ""}] if payload.media_url else [],
                outbound_id=rows[group_key(broadcast.pk, chat.pk)],
                source_type=SOURCE_TYPE,
                source_id=broadcast.source_id,
                occurred_at=now,
            )
            for chat in chats
        ],
        ignore_conflicts=True,  # a page written again after a crash: its posts are there already
    )
    return Step(len(chats), added, chats[-1].pk, len(chats) < size)


def fanout_step(*, broadcast_id: int, batch: int | None = None) -> bool:
    """Enqueue the next batch. Returns True while there is more to do."""
    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update().filter(pk=broadcast_id).first()
        if broadcast is None or broadcast.state != State.SENDING or broadcast.fanout_finished_at is not None:
            return False
        now = timezone.now()
        if broadcast.to_group_chats:
            enqueue = _post_into_groups
        else:
            enqueue = _enqueue_in_sql if uses_sql(broadcast) else _enqueue_in_python
        size = batch or conf.fanout_batch(in_sql=enqueue is _enqueue_in_sql)
        step = enqueue(broadcast, size, now)
        if step.cursor is not None:
            broadcast.fanout_cursor = step.cursor
        broadcast.fanout_enqueued += step.added
        if step.finished:
            broadcast.fanout_finished_at = now
        broadcast.updated_at = now
        broadcast.save(update_fields=["fanout_cursor", "fanout_enqueued", "fanout_finished_at", "updated_at"])
        more = broadcast.fanout_finished_at is None
    if not more:
        broadcast_finish_if_done(broadcast=broadcast)
    return more


def fanout_run(*, broadcast_id: int, batch: int | None = None, max_batches: int | None = None) -> int:
    """Run batches until done (or `max_batches`). Returns the number of batches run."""
    done = 0
    while fanout_step(broadcast_id=broadcast_id, batch=batch):
        done += 1
        if max_batches is not None and done >= max_batches:
            break
    return done


def resume_stalled_fanouts(*, stalled_seconds: int = 120) -> int:
    """Scheduled job: a fan-out whose runner died (no batch for a while) is enqueued again; the cursor resumes it."""
    from ..tasks import broadcast_fanout_task

    cutoff = timezone.now() - dt.timedelta(seconds=stalled_seconds)
    ids = list(
        Broadcast.objects.filter(
            state=State.SENDING, fanout_finished_at__isnull=True, updated_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        broadcast_fanout_task.enqueue(pk)
    return len(ids)


def night_hold() -> int:
    """Scheduled job (every minute): when the night starts, promotional messages still queued wait for morning.

    The fan-out already dates rows written at night; this catches rows written in the evening and not yet sent.
    """
    from ketnoi.outbox.models import Status

    held = 0
    now = timezone.now()
    sending = Broadcast.objects.filter(state=State.SENDING).exclude(topic="emergency").prefetch_related("channels")
    for broadcast in sending:
        for channel in broadcast.channels.all():
            release = conf.night_release(now, conf.night_hours(channel.channel_type))
            if release is None:
                continue
            held += OutboundMessage.objects.filter(
                source_type=SOURCE_TYPE,
                source_id=broadcast.source_id,
                channel=channel,
                status=Status.QUEUED,
                next_attempt_at__lt=release,
            ).update(next_attempt_at=release)
    return held
