"""Enqueue many messages with one SQL statement (PostgreSQL): INSERT INTO the outbox SELECT ... FROM the caller's
query; if some of the keys exist (a page written again), once more with ON CONFLICT (idempotency_key) DO NOTHING.

Django's bulk_create prepares every column of every row in Python (~2 ms a row for the outbox's 28 columns); a
broadcast to a million followers spends half an hour there. Here the database builds the rows from the recipients
query itself. The outbox owns its table's shape: the caller names only what differs per row (SQL expressions over
the source query's columns) and what is the same for every row (Python values, prepared once by the model's fields);
every other column gets the model field's default, prepared the same way bulk_create would, so both paths write
identical rows. Runs inside the caller's transaction, like outbox_enqueue.
"""

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, models, transaction

from .models import OutboundMessage
from .services import OutsideTransaction

SOURCE = "src"  # the alias of the caller's query in per-row expressions: f"{SOURCE}.column"


@dataclass(frozen=True)
class BulkResult:
    selected: int  # rows the source query returned
    inserted: int  # rows written (the others' idempotency keys existed)
    last: Any  # the largest value of the source's key column (for keyset pages), None if no row


def _prepared(field: models.Field, value: Any) -> Any:
    return field.get_db_prep_save(value, connection)


def outbox_enqueue_from_query(
    *,
    source: tuple[str, tuple | list],
    key_column: str,
    per_row: dict[str, tuple[str, list]],
    same_for_all: dict[str, Any],
) -> BulkResult:
    """Write one outbox row per row of `source` (SQL and params, e.g. a queryset's `query.sql_with_params()`).

    `per_row`: field name -> (SQL expression over `src.<column>`, its params); `same_for_all`: field name -> value.
    `idempotency_key` must be per row. Existing keys are skipped (a page written twice after a crash adds nothing).
    PostgreSQL only; other databases use outbox_enqueue_many.
    """
    if connection.vendor != "postgresql":
        raise NotImplementedError("outbox_enqueue_from_query needs PostgreSQL; use outbox_enqueue_many.")
    if not connection.in_atomic_block:
        raise OutsideTransaction("outbox_enqueue_from_query must be called inside the transaction that causes it.")
    if "idempotency_key" not in per_row:
        raise ValueError("Each row needs its own idempotency_key expression.")
    fields = {f.name: f for f in OutboundMessage._meta.concrete_fields}
    unknown = (set(per_row) | set(same_for_all)) - set(fields)
    if unknown:
        raise ValueError(f"Not outbox columns: {', '.join(sorted(unknown))}")
    quote = connection.ops.quote_name
    columns, expressions, params = [], [], []
    for name, field in fields.items():
        if isinstance(field, models.AutoField):
            continue
        columns.append(quote(field.column))
        if name in per_row:
            sql, sql_params = per_row[name]
            expressions.append(f"({sql})")
            params.extend(sql_params)
        elif name in same_for_all:
            expressions.append("%s")
            params.append(_prepared(field, same_for_all[name]))
        elif isinstance(field, models.UUIDField) and callable(field.default):
            expressions.append("gen_random_uuid()")  # one per row, as uuid4 would give
        else:
            expressions.append("%s")
            params.append(_prepared(field, field.get_default()))
    source_sql, source_params = source
    table = quote(OutboundMessage._meta.db_table)

    def statement(on_conflict: str) -> str:
        return (
            # identifiers from the model and the caller's code; every value is a parameter
            f"WITH {SOURCE} AS ({source_sql}), "  # noqa: S608
            f"written AS (INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {', '.join(expressions)} FROM {SOURCE} {on_conflict} RETURNING 1) "
            f"SELECT (SELECT count(*) FROM {SOURCE}), (SELECT count(*) FROM written), "
            f"(SELECT max({SOURCE}.{quote(key_column)}) FROM {SOURCE})"
        )

    # A plain INSERT first: ON CONFLICT DO NOTHING checks the unique index before each row as well as inserting into
    # it (7-10% of the statement's CPU), and a page is new but after a crash or a replay. When one of its keys exists
    # the INSERT fails whole, its savepoint is undone, and the page is written again skipping the existing keys.
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute(statement(""), [*source_params, *params])
        except IntegrityError:
            on_conflict = f"ON CONFLICT ({quote(fields['idempotency_key'].column)}) DO NOTHING"
            cursor.execute(statement(on_conflict), [*source_params, *params])
        selected, inserted, last = cursor.fetchone()
    return BulkResult(selected=selected, inserted=inserted, last=last)
