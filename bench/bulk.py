"""Millions of rows in minutes: INSERT ... SELECT FROM generate_series, every column taken from the model.

Columns named in `special` get that SQL expression (of the series value `g`); every other column gets the model's
default (NULL where nullable, '' for blank text), so the benchmark follows the schema as it changes. With
`rebuild_indexes`, the table's secondary indexes and unique constraints are dropped before the load and created
again afterwards with their exact definitions (a sort-based build is several times faster than maintaining them
row by row); the table ends up as the migrations left it.
"""

import json
import time

from django.db import connection, models


def column_expressions(model, special: dict[str, str | None]) -> tuple[list[str], list[str]]:
    names, values = [], []
    for field in model._meta.concrete_fields:
        expression = special.get(field.attname, "")
        if expression is None:  # left to the database (the serial primary key)
            continue
        if not expression:
            if isinstance(field, models.DateTimeField) and not field.null:
                expression = "now()"
            elif field.has_default():
                default = field.get_default()
                if isinstance(field, models.JSONField):
                    expression = "'" + json.dumps(default).replace("'", "''") + "'::jsonb"
                elif isinstance(default, bool):
                    expression = "true" if default else "false"
                elif isinstance(default, int | float):
                    expression = str(default)
                else:
                    expression = "'" + str(default).replace("'", "''") + "'"
            elif field.null:
                expression = "NULL"
            else:
                expression = "''"
        names.append(field.column)
        values.append(expression)
    return names, values


def _secondary(table: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(constraint name, definition) of unique constraints, and CREATE INDEX statements of the other indexes."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u'",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u'))",
            [table, table],
        )
        indexes = [row[0] for row in cursor.fetchall()]
    return constraints, indexes


def insert_series(
    model,
    special: dict[str, str | None],
    count: int,
    *,
    chunk: int = 1_000_000,
    rebuild_indexes: bool = False,
    progress: bool = True,
) -> float:
    """Insert `count` rows; returns the seconds it took (index rebuild and ANALYZE included)."""
    table = model._meta.db_table
    names, values = column_expressions(model, special)
    started = time.monotonic()
    constraints, indexes = _secondary(table) if rebuild_indexes else ([], [])
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for name, _definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for statement in indexes:
            cursor.execute(f'DROP INDEX "{statement.split(" INDEX ", 1)[1].split(" ON ", 1)[0].strip()}"')
        for start in range(0, count, chunk):
            stop = min(start + chunk, count) - 1
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(names)}) "
                f"SELECT {', '.join(values)} FROM generate_series({start}, {stop}) AS g"
            )
            if progress:
                print(f"   {stop + 1:,} rows in {table} ({time.monotonic() - started:.0f} s)", flush=True)
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for statement in indexes:
            cursor.execute(statement)
        cursor.execute(f"ANALYZE {table}")
    return time.monotonic() - started
