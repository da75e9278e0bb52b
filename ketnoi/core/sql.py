"""Many rows in one statement where the ORM would take one per row or prepare more than it needs.

`insert_new_rows`: INSERT ... VALUES (...), (...) ON CONFLICT DO NOTHING RETURNING the primary key, on PostgreSQL
and SQLite alike (3.35+). The rows written get their primary key; the rows that met an existing unique key are
left out and reported, so a caller writes "once per idempotency key" in one round trip instead of SELECT, then
SAVEPOINT + INSERT + RELEASE.
"""

from collections.abc import Sequence

from django.db import connection, models


def _batch(model: type[models.Model], fields: list[models.Field]) -> int:
    limit = connection.features.max_query_params or 65535
    return max(1, min(1000, limit // max(1, len(fields))))


def insert_new_rows(objs: Sequence[models.Model]) -> list[models.Model]:
    """Insert the unsaved `objs` (one model) skipping those whose unique key exists; returns the ones written, with
    their primary keys set. Values are prepared as the ORM would save them (field defaults already applied when
    the objects were built)."""
    if not objs:
        return []
    model = type(objs[0])
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not isinstance(f, models.AutoField)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    pk = quote(meta.pk.column)
    written: list[models.Model] = []
    size = _batch(model, fields)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    for start in range(0, len(objs), size):
        batch = objs[start : start + size]
        params: list = []
        for obj in batch:
            for field in fields:
                params.append(field.get_db_prep_save(field.pre_save(obj, True), connection))
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([row_sql] * len(batch))} "  # noqa: S608
            f"ON CONFLICT DO NOTHING RETURNING {pk}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = [row[0] for row in cursor.fetchall()]
        # RETURNING gives the written rows in the order of VALUES on both databases (one statement, no triggers).
        if len(ids) == len(batch):
            for obj, pk_value in zip(batch, ids, strict=True):
                obj.pk = pk_value
                obj._state.adding = False
            written.extend(batch)
        else:
            written.extend(_match(model, batch, ids))
    return written


def _match(model: type[models.Model], batch: Sequence[models.Model], ids: list) -> list[models.Model]:
    """Some rows met an existing key: tell which were written by reading back their unique values."""
    unique = next((f for f in model._meta.concrete_fields if f.unique and not f.primary_key), None)
    if unique is None:
        raise TypeError(f"{model.__name__} has no unique field to tell the written rows by.")
    values = dict(model._default_manager.filter(pk__in=ids).values_list(unique.attname, "pk"))
    written = []
    for obj in batch:
        pk_value = values.get(getattr(obj, unique.attname))
        if pk_value is not None:
            obj.pk = pk_value
            obj._state.adding = False
            written.append(obj)
    return written
