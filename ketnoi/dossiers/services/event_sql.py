"""The statements of the status-event path, written once as SQL: building them with the ORM on every event cost
more CPU than running them (a select_related read of the dossier alone took ~1 ms to compile).

Each statement's text depends only on how many rows it carries, so it is made once per size and kept; the values
go as parameters, prepared by the model fields as the ORM would. Rows come back as model instances (from_db), with
only the related columns the event and its notice use (a deferred one would load on access, never wrongly).
PostgreSQL and SQLite alike (row locks only where the database has them).
"""

import functools
from collections.abc import Sequence

from django.db import connection
from django.db.models import Model

from ketnoi.core.sql import current, prepared_cursor
from ketnoi.orgs.models import AdministrativeUnit, Agency
from ketnoi.orgs.scoping import OfficialScope
from ketnoi.procedures.models import Procedure

from ..models import Dossier

PROCEDURE_COLUMNS = ("id", "code", "name", "processing_days")
AGENCY_COLUMNS = ("id", "code", "name", "unit_id")
UNIT_COLUMNS = ("id", "code", "name", "path")


@functools.cache
def _fields(model: type[Model], names: tuple[str, ...] | None = None):
    fields = [f for f in model._meta.concrete_fields if names is None or f.attname in names or f.name in names]
    return tuple(
        sorted(fields, key=lambda f: names.index(f.attname if f.attname in names else f.name)) if names else fields
    )


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


@functools.cache
def _dossier_read_sql(vendor: str, by_id: int, by_code: int) -> str:
    """The chunk's dossiers with what their events and notices use, locked (PostgreSQL: FOR UPDATE OF the dossier
    rows, in id order so two batches never wait on each other in a circle)."""
    d = [f"d.{_quote(f.column)}" for f in _fields(Dossier)]
    p = [f"p.{_quote(f.column)}" for f in _fields(Procedure, PROCEDURE_COLUMNS)]
    a = [f"a.{_quote(f.column)}" for f in _fields(Agency, AGENCY_COLUMNS)]
    u = [f"u.{_quote(f.column)}" for f in _fields(AdministrativeUnit, UNIT_COLUMNS)]
    where = []
    if by_id:
        # "external_id <> ''" as the unique index on (external_system, external_id) is partial
        where.append(
            f"(d.external_system = %s AND d.external_id IN ({', '.join(['%s'] * by_id)}) AND d.external_id <> '')"
        )
    if by_code:
        where.append(f"d.receipt_code IN ({', '.join(['%s'] * by_code)})")
    lock = " FOR UPDATE OF d" if vendor == "postgresql" else ""
    return (
        f"SELECT {', '.join(d + p + a + u)}, cu.path "  # noqa: S608 - names from the models, values as parameters
        f"FROM {Dossier._meta.db_table} d "
        f"JOIN {Procedure._meta.db_table} p ON p.id = d.procedure_id "
        f"JOIN {Agency._meta.db_table} a ON a.id = d.receiving_agency_id "
        f"JOIN {AdministrativeUnit._meta.db_table} u ON u.id = d.unit_id "
        f"LEFT JOIN {Agency._meta.db_table} ca ON ca.id = d.competent_agency_id "
        f"LEFT JOIN {AdministrativeUnit._meta.db_table} cu ON cu.id = ca.unit_id "
        f"WHERE {' OR '.join(where)} ORDER BY d.id{lock}"
    )


def _build(model: type[Model], names: list[str], values: Sequence) -> Model:
    return model.from_db(connection.alias, names, values)


def read_dossiers(
    scope: OfficialScope, *, system: str = "", external_ids: Sequence[str] = (), codes: Sequence[str] = ()
) -> list[Dossier]:
    """The dossiers with these external ids (of `system`) or receipt codes that `scope` sees, read and locked in one
    statement. Scope: an API client sees its unit's subtree (received there, or decided by an agency there), checked
    with the scope's own covers_path on the paths read with the rows."""
    by_id, by_code = sorted(set(external_ids)), sorted(set(codes))
    if not by_id and not by_code:
        return []
    sql = _dossier_read_sql(connection.vendor, len(by_id), len(by_code))
    params = ([system, *by_id] if by_id else []) + by_code
    return _rows(scope, sql, params)


@functools.cache
def _dossier_pk_sql(vendor: str, count: int) -> str:
    return _dossier_read_sql(vendor, 0, 1).replace("d.receipt_code IN (%s)", f"d.id IN ({', '.join(['%s'] * count)})")


def read_dossiers_by_pk(scope: OfficialScope, pks: Sequence[int]) -> list[Dossier]:
    """The same read by primary key (dossiers found through one of their other codes)."""
    pks = sorted(set(pks))
    return _rows(scope, _dossier_pk_sql(connection.vendor, len(pks)), pks) if pks else []


@functools.cache
def _layout(vendor: str):
    """Per model: attribute names in the statement's column order, and each value's converters."""
    layout = []
    for model, names in (
        (Dossier, None),
        (Procedure, PROCEDURE_COLUMNS),
        (Agency, AGENCY_COLUMNS),
        (AdministrativeUnit, UNIT_COLUMNS),
    ):
        fields = _fields(model, names)
        converters = []
        for field in fields:
            column = _Col(field)
            converters.append(field.get_db_converters(connection) + connection.ops.get_db_converters(column))
        layout.append((model, [f.attname for f in fields], converters, [_Col(f) for f in fields]))
    return layout


def _rows(scope: OfficialScope, sql: str, params: list) -> list[Dossier]:
    conn = current()
    layout = _layout(conn.vendor)
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = []
    related: dict[tuple, Model] = {}  # one object per procedure, agency and unit, however many dossiers share it
    for row in rows:
        at, built = 0, []
        for index, (model, names, converters, columns) in enumerate(layout):
            values = list(row[at : at + len(names)])
            at += len(names)
            if index and (model, values[0]) in related:
                built.append(related[(model, values[0])])
                continue
            for i, chain in enumerate(converters):
                for convert in chain:
                    values[i] = convert(values[i], columns[i], conn)
            built.append(model.from_db(conn.alias, names, values))
            if index:
                related[(model, values[0])] = built[-1]
        dossier, procedure, agency, unit = built
        competent_path = row[at]
        if not (scope.covers_path(unit.path) or (competent_path and scope.covers_path(competent_path))):
            continue
        dossier.procedure, dossier.receiving_agency, dossier.unit = procedure, agency, unit
        found.append(dossier)
    return found


class _Col:
    """What the backends' value converters look at: the field (output_field) and its target."""

    def __init__(self, field) -> None:
        self.output_field = self.target = self.field = field


# -- writing ------------------------------------------------------------------------------------------------------


def _prepared(obj: Model, fields, conn) -> list:
    return [f.get_db_prep_save(getattr(obj, f.attname), conn) for f in fields]


@functools.cache
def _update_one_sql(names: tuple[str, ...]) -> str:
    fields = _fields(Dossier, names)
    sets = ", ".join(f"{_quote(f.column)} = %s" for f in fields)
    return f"UPDATE {Dossier._meta.db_table} SET {sets} WHERE id = %s"  # noqa: S608


@functools.cache
def _update_many_sql(names: tuple[str, ...]) -> str:
    """PostgreSQL: one UPDATE ... FROM unnest(one array per column) for the whole chunk, the arrays in binary (%b,
    as core.sql's inserts: the text form escapes every quote with a regular expression)."""
    fields = _fields(Dossier, names)
    arrays = ", ".join(f"%b::{f.db_type(connection)}[]" for f in fields)
    columns = ", ".join(_quote(f.column) for f in fields)
    sets = ", ".join(f"{_quote(f.column)} = v.{_quote(f.column)}" for f in fields)
    return (
        f"UPDATE {Dossier._meta.db_table} AS d SET {sets} "  # noqa: S608
        f"FROM unnest(%b::bigint[], {arrays}) AS v(id, {columns}) WHERE d.id = v.id"
    )


def update_dossiers(dossiers: Sequence[Dossier], names: Sequence[str]) -> None:
    """Write these columns of these dossiers back: one statement (SQLite: one executemany)."""
    if not dossiers:
        return
    names = tuple(names)
    fields = _fields(Dossier, names)
    conn = current()
    if len(dossiers) == 1 or conn.vendor != "postgresql":
        rows = [[*_prepared(d, fields, conn), d.pk] for d in dossiers]
        with prepared_cursor() as cursor:
            if len(rows) == 1:
                cursor.execute(_update_one_sql(names), rows[0])
            else:
                cursor.executemany(_update_one_sql(names), rows)
        return
    params = [[d.pk for d in dossiers]]
    params += [[f.get_db_prep_save(getattr(d, f.attname), conn) for d in dossiers] for f in fields]
    with prepared_cursor() as cursor:
        cursor.execute(_update_many_sql(names), params)
