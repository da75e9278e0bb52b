"""Storing a verified webhook delivery: one insert, de-duplicated per channel. The pending row is the queue entry
(ketnoi.pipeline.claimer claims it), so the acknowledgement costs one round trip to the database."""

import hashlib
import logging

from django.db import connections, router
from django.utils import timezone

from .models import Channel, ChannelEvent
from .types.base import EventKind

logger = logging.getLogger(__name__)

KEPT_HEADERS = ("num_retry", "x_zevent_server")  # compared lower-case with "-" as "_" (servers differ)


def _dedup_key(keys: list[str], body: bytes) -> str:
    unique = sorted(set(keys))
    if len(unique) == 1 and len(unique[0]) <= 255:
        return unique[0]
    if not unique:
        return "raw:" + hashlib.sha256(body).hexdigest()
    return "many:" + hashlib.sha256("\n".join(unique).encode()).hexdigest()


def store_event(*, channel: Channel, body: bytes, headers: dict[str, str]) -> tuple[ChannelEvent, bool]:
    """Store the delivery; return (event, created). A repeat of an already stored event is (existing, False).

    The body is parsed here only to find its provider ids (for de-duplication) and to mark types nobody handles;
    handling happens later, when `manage.py run_inbound` claims the pending row.
    """
    try:
        events = channel.channel_type.parse_events(channel, body)
        error = ""
    except ValueError as exc:  # json errors are ValueErrors too
        events, error = [], str(exc)[:500]
    now = timezone.now()
    if error:
        status, handled_at = ChannelEvent.Status.UNPARSEABLE, now
    elif not events or all(e.kind == EventKind.OTHER for e in events):
        status, handled_at = ChannelEvent.Status.IGNORED, now
    else:
        status, handled_at = ChannelEvent.Status.PENDING, None
    key = _dedup_key([e.dedup_key for e in events], body)
    normalised = {name.lower().replace("-", "_"): value for name, value in headers.items()}
    kept = {name: normalised[name] for name in KEPT_HEADERS if name in normalised}
    event = ChannelEvent(
        channel=channel,
        dedup_key=key,
        provider_event=(events[0].provider_event if events else "")[:80],
        user_id=(events[0].user_id if events else "")[:64],
        raw_body=body.decode("utf-8", errors="replace").replace("\x00", "\ufffd"),  # PostgreSQL text
        headers=kept,
        status=status,
        received_at=now,
        handled_at=handled_at,
        error=error,
    )
    if not _insert_unless_stored(event):
        existing = ChannelEvent.objects.filter(channel=channel, dedup_key=key).order_by().first()
        if existing is None:  # only if the row went away in between: a 500, and the provider retries
            raise RuntimeError(f"Channel event {key!r} was neither inserted nor found.")
        return existing, False
    return event, True


def _insert_unless_stored(event: ChannelEvent) -> bool:
    """INSERT ... ON CONFLICT (channel, dedup_key) DO NOTHING RETURNING id; False when the event was already stored.

    One statement: outside a transaction (the web request) it commits by itself, so the row is durable before the
    view answers, and a provider retry costs no exception and no savepoint. The columns and values come from the
    model (Field.get_db_prep_save), so a field added later is written like Model.save() would write it.
    """
    connection = connections[router.db_for_write(ChannelEvent)]
    fields = [field for field in ChannelEvent._meta.concrete_fields if not field.primary_key]
    values = [field.get_db_prep_save(getattr(event, field.attname), connection) for field in fields]
    sql = _INSERT_SQL.get(connection.vendor) or _INSERT_SQL.setdefault(connection.vendor, _insert_sql(connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    event.pk = row[0]
    event._state.adding, event._state.db = False, connection.alias
    return True


_INSERT_SQL: dict[str, str] = {}  # per database vendor


def _insert_sql(connection) -> str:
    meta, quote = ChannelEvent._meta, connection.ops.quote_name
    columns = [quote(field.column) for field in meta.concrete_fields if not field.primary_key]
    unique = ", ".join(quote(meta.get_field(name).column) for name in ("channel", "dedup_key"))
    # Identifiers come from the model's meta; every value is a parameter.
    placeholders = ", ".join(["%s"] * len(columns))
    return (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
        f" ON CONFLICT ({unique}) DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
