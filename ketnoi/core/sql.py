"""Many rows in one statement where the ORM would take one per row or prepare more than it needs.

`insert_new_rows`: INSERT ... VALUES (...), (...) ON CONFLICT DO NOTHING RETURNING the primary key and a key
column, on PostgreSQL and SQLite alike (3.35+). The rows written get their primary key; the rows that met an
existing unique key are left out, so a caller writes "once per idempotency key" in one round trip instead of
SELECT, then SAVEPOINT + INSERT + RELEASE. The statement's text is made once per number of rows.

`prepared_cursor`: a cursor whose statements PostgreSQL parses and plans once per connection, for the few hot
statements whose planning costs more than running them (the status event's dossier read: 0.65 ms to plan, 0.15 ms
to run).
"""

import functools
from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

UNNEST_FROM = 8


def prepared_cursor():
    """`with prepared_cursor() as cursor:` as `connection.cursor()`, but on PostgreSQL each statement is sent with
    its values apart (server-side binding) and prepared in the session the first time this connection runs it;
    later runs skip parsing and planning (PostgreSQL's plan cache picks a generic plan when it is as good).

    Django's own cursors bind on the client and never prepare, so only statements run here are prepared. Off on
    SQLite and behind PgBouncer in transaction mode (OPTIONS prepare_threshold None, config/settings/base.py): a
    prepared statement lives in a server session the next transaction may not get.

    The cursor is made as Django's connection.cursor() makes one (health check, connection, query log), but as the
    prepared kind at once: making Django's and replacing it cost a status event a tenth of its statements' CPU."""
    conn = current()
    if not binds_on_server(conn):
        return conn.cursor()
    conn.close_if_health_check_failed()
    conn.ensure_connection()
    raw = conn.connection
    if raw.prepare_threshold is None:  # Django's default, which prepares nothing even when asked
        raw.prepare_threshold = NEVER_BY_COUNT
    with conn.wrap_database_errors:
        cursor = _prepared_cursor_class()(raw)
    return conn._prepare_cursor(cursor)


def binds_on_server(conn) -> bool:
    """Whether prepared_cursor's statements go with their values apart (PostgreSQL, not behind PgBouncer)."""
    return conn.vendor == "postgresql" and conn.settings_dict["OPTIONS"].get("prepare_threshold", 0) is not None


def current():
    """This thread's default connection itself: `django.db.connection` is a proxy that looks it up again on every
    attribute, which the per-value loops of this module and its callers would pay thousands of times a batch."""
    return connections[DEFAULT_DB_ALIAS]


NEVER_BY_COUNT = 2**31  # psycopg prepares a statement run this many times: only those asked for are, in practice


@functools.cache
def _prepared_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=True, binary=None):
            return super().execute(query, params, prepare=prepare, binary=binary)

        def _send_query_prepared(self, name, pgq, *, binary=None):
            self._query = pgq  # what Django's query log shows (psycopg keeps it only for statements not prepared)
            return super()._send_query_prepared(name, pgq, binary=binary)

    return PreparedCursor


def _batch(model: type[models.Model], fields: list[models.Field], conn) -> int:
    limit = conn.features.max_query_params or 65535
    return max(1, min(1000, limit // max(1, len(fields))))


def insert_new_rows(objs: Sequence[models.Model], *, key: str) -> list[models.Model]:
    """Insert the unsaved `objs` (one model) skipping those that meet an existing unique key; returns the ones
    written, with their primary keys set. `key` names a field whose value tells the objects apart (the
    idempotency key, the external event id). Values are prepared as the ORM would save them."""
    if not objs:
        return []
    model = type(objs[0])
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not isinstance(f, models.AutoField)]
    key_field = meta.get_field(key)
    as_returned = key_field.get_db_prep_value if isinstance(key_field, models.UUIDField) else None
    conn = current()
    preparers = _preparers(model, conn.vendor)
    written: list[models.Model] = []
    # PostgreSQL, many rows: one array per column, so the statement's text stays short and the driver parses it once
    # (a VALUES list of thousands of placeholders is parsed again on every call); a few rows: plain VALUES.
    unnest = conn.vendor == "postgresql" and len(objs) > UNNEST_FROM
    size = 1000 if unnest else _batch(model, fields, conn)
    for start in range(0, len(objs), size):
        batch = objs[start : start + size]
        if unnest:
            params = [
                [getattr(obj, attname) if prepare is None else prepare(obj, conn) for obj in batch]
                for attname, prepare in preparers
            ]
            sql = _insert_unnest_sql(model, key_field.column)
        else:
            params = []
            for obj in batch:
                for attname, prepare in preparers:
                    params.append(getattr(obj, attname) if prepare is None else prepare(obj, conn))
            sql = _insert_sql(model, len(batch), key_field.column)
        with prepared_cursor() as cursor:
            cursor.execute(sql, params)
            ids = {k: pk for pk, k in cursor.fetchall()}
        for obj in batch:
            value = getattr(obj, key_field.attname)
            if as_returned is not None:  # a uuid key comes back as the database keeps it (SQLite: 32 hex digits)
                value = as_returned(value, conn)
            pk_value = ids.get(value)
            if pk_value is not None:
                obj.pk = pk_value
                obj._state.adding = False
                written.append(obj)
    return written


# Values the database driver takes as they are (psycopg adapts datetimes and uuids itself; SQLite's does not).
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)
_PLAIN_ON_POSTGRESQL = (*_PLAIN, models.DateTimeField, models.DateField, models.UUIDField)


@functools.cache
def _preparers(model: type[models.Model], vendor: str) -> list[tuple[str, object]]:
    """Per column: how to turn the attribute into the statement's value (None: as it is), as the ORM would save it."""
    plain = _PLAIN_ON_POSTGRESQL if vendor == "postgresql" else _PLAIN
    out = []
    for field in (f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)):
        needs_pre_save = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        if (
            isinstance(field, plain)
            and not needs_pre_save
            and not field.choices
            and type(field).get_db_prep_save is (models.Field.get_db_prep_save)
        ):
            out.append((field.attname, None))
        else:
            out.append((field.attname, lambda obj, conn, f=field: f.get_db_prep_save(f.pre_save(obj, True), conn)))
    return out


@functools.cache
def _insert_unnest_sql(model: type[models.Model], key_column: str) -> str:
    """The arrays in binary (%b): the driver's text form of an array escapes every quote of every value with a
    regular expression, a fifth of a batch of 200 status events' CPU (their JSON payloads). Django's own cursor,
    behind PgBouncer, takes %b too (as a literal)."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not isinstance(f, models.AutoField)]
    quote = connection.ops.quote_name
    arrays = ", ".join(f"%b::{f.db_type(connection)}[]" for f in fields)
    return (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
        f"SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING RETURNING {quote(meta.pk.column)}, {quote(key_column)}"
    )


@functools.cache
def _insert_sql(model: type[models.Model], rows: int, key_column: str) -> str:
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not isinstance(f, models.AutoField)]
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES {', '.join([row] * rows)} ON CONFLICT DO NOTHING RETURNING {quote(meta.pk.column)}, {quote(key_column)}"
    )
