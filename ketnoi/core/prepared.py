"""Statements on the per-message path whose SQL is built once per process instead of once per call (#20).

The ORM rebuilds a queryset and compiles its SQL on every call: for the few statements every chat message runs
(the claim, the person, the session, a dossier by code) that was about half of the message's Python CPU. Here:

- `PreparedRead(build, name=int, other=str)`: `build(**values)` returns the queryset. It is compiled once, with
  stand-in values whose places among the statement's parameters are remembered; each call then runs the same SQL
  with its own values, and turns the rows into what the queryset would give (model instances with their
  select_related objects and annotations, through Django's own converters and populators; or values_list tuples).
  Only int and str arguments, each a parameter as it is or inside a LIKE pattern (contains, startswith, iexact and
  the like: told apart by the stand-in's "_", which the ORM escapes there; the value is then escaped the same way). What would change the SQL itself (a list of
  another length, a None) cannot be an argument: preparing such a read fails at once, never later. Also, where the
  statement takes them as one parameter each: `list` (a list passed as one array parameter, core/queue.among on
  PostgreSQL), `dt.datetime` (PostgreSQL takes datetimes as they are; SQLite's text form cannot be prepared), and
  `Limit` (the n of `queryset[:n]`, which the ORM writes into the SQL: made a parameter).
- `update_fields(obj, fields)`: `obj.save(update_fields=fields)` for a model with no save() of its own and no
  signal receivers: one UPDATE by primary key whose SQL is made once per model and field list.
- `insert(obj)`: `obj.save()` of a new row, likewise (INSERT ... RETURNING its primary key).

Both are writes: only services (and the machinery tests/core/test_writes_in_services.py lists) call them.

The statements are the ORM's own (compiled by it once), so a test that counts or reads them sees the same thing.
"""

import datetime as dt
import functools
import itertools
import re
from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.query import FlatValuesListIterable, ModelIterable, ValuesListIterable, get_related_populators
from django.db.models.signals import post_save, pre_save
from django.db.transaction import TransactionManagementError

_probe_numbers = itertools.count(-987_654_321_001, -1)
_PLACEHOLDER = re.compile(r"(?<!%)%s")


class Limit(int):
    """The kind of a PreparedRead argument that is the queryset's LIMIT (`queryset[:limit]`)."""


def _probe(kind: type) -> Any:
    """A stand-in value of `kind` that no real argument or constant of a statement has."""
    number = next(_probe_numbers)
    if kind is int:
        return number
    if kind is str:
        return f"\x00prepared_{-number}\x00"
    if kind is list:
        return [number]
    if kind is dt.datetime:
        return dt.datetime(1900, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=-number)
    return Limit(-number)


class _Compiled:
    """One read's statement and what turns its rows into results, for one database."""

    def __init__(self, queryset: models.QuerySet, probes: dict[str, Any]):
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise ValueError("A prepared read cannot prefetch.")
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        params = list(params)
        for probe in probes.values():
            if isinstance(probe, Limit):  # LIMIT n, written into the SQL by the ORM: a parameter instead
                written = f" LIMIT {int(probe)}"
                if sql.count(written) != 1:
                    raise ValueError("A Limit argument must be the queryset's LIMIT: not preparable.")
                at = sql.index(written)
                params.insert(len(_PLACEHOLDER.findall(sql[:at])), probe)
                sql = sql.replace(written, " LIMIT %s")
        self.sql = sql
        self.params = params
        self.slots: list[tuple[int, str]] = []
        self.patterns: list[tuple[int, str, str]] = []  # (place, argument, the LIKE pattern around its probe)
        like = connections[queryset.db].ops.prep_for_like_query
        for name, probe in probes.items():
            places = [i for i, value in enumerate(self.params) if value == probe and type(value) is type(probe)]
            escaped = like(probe) if isinstance(probe, str) else None  # the probe has a "_": escaped, it differs
            patterns = [
                i for i, value in enumerate(self.params) if escaped and isinstance(value, str) and escaped in value
            ]
            if not places and not patterns:
                raise ValueError(f"Argument {name!r} is not a parameter of the statement as it is: not preparable.")
            self.slots += [(i, name) for i in places]
            self.patterns += [(i, name, self.params[i].replace(escaped, "\x00")) for i in patterns]
        self.locks = bool(queryset.query.select_for_update)
        self.col_count = compiler.col_count
        self.trim = compiler.has_extra_select
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        self.converters = compiler.get_converters(fields)
        self.compiler = compiler
        self.kind = queryset._iterable_class
        if self.kind is ModelIterable:
            klass_info = compiler.klass_info
            self.model = klass_info["model"]
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            self.model_slice = slice(start, end)
            self.init_list = [f[0].target.attname for f in compiler.select[start:end]]
            self.related = get_related_populators(klass_info, compiler.select, queryset.db)
            self.annotations = dict(compiler.annotation_col_map or {})
        elif self.kind not in (ValuesListIterable, FlatValuesListIterable):
            raise ValueError("A prepared read gives model instances or values_list() tuples.")


class PreparedRead:
    """A read compiled once per database and process; see the module's docstring."""

    def __init__(self, build: Callable[..., models.QuerySet], **arguments: type):
        for name, kind in arguments.items():
            if kind not in (int, str, list, dt.datetime, Limit):
                raise TypeError(f"{name}: a prepared read takes int, str, list, datetime and Limit arguments only.")
        self.build = build
        self.arguments = arguments
        self._compiled: dict[tuple[str, str], _Compiled] = {}

    def _for(self, alias: str) -> _Compiled:
        connection = connections[alias]
        key = (alias, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            probes = {name: _probe(kind) for name, kind in self.arguments.items()}
            queryset = self.build(**probes)
            if queryset.db != alias:
                queryset = queryset.using(alias)
            compiled = self._compiled[key] = _Compiled(queryset, probes)
        return compiled

    def prepare(self, *, using: str = DEFAULT_DB_ALIAS) -> "PreparedRead":
        """Compile now (else on first use); raises ValueError if the statement cannot be prepared."""
        self._for(using)
        return self

    def rows(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list[Any]:
        """What iterating the queryset built from `values` would give, as a list."""
        if set(values) != set(self.arguments):
            raise TypeError(f"Expected arguments {sorted(self.arguments)}, got {sorted(values)}.")
        compiled = self._for(using)
        connection = connections[using]
        if compiled.locks and connection.features.has_select_for_update and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        params = list(compiled.params)
        for place, name in compiled.slots:
            value = values[name]
            kind = self.arguments[name]
            if type(value) is not kind:
                if kind is dt.datetime:
                    raise TypeError(f"{name}: a datetime, not {type(value).__name__}.")
                value = int(value) if kind is Limit else kind(value)
            params[place] = value
        for place, name, pattern in compiled.patterns:  # escaped as the ORM escapes a contains/startswith value
            params[place] = pattern.replace("\x00", connection.ops.prep_for_like_query(str(values[name])))
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchall()
        if compiled.trim:
            fetched = [row[: compiled.col_count] for row in fetched]
        if compiled.converters:
            fetched = list(compiled.compiler.apply_converters(fetched, compiled.converters))
        if compiled.kind is FlatValuesListIterable:
            return [row[0] for row in fetched]
        if compiled.kind is ValuesListIterable:
            return [tuple(row) for row in fetched]
        return [_instance(compiled, using, row) for row in fetched]

    def first(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> Any:
        found = self.rows(using=using, **values)
        return found[0] if found else None


def _instance(compiled: _Compiled, using: str, row: Sequence[Any]) -> models.Model:
    obj = compiled.model.from_db(using, compiled.init_list, row[compiled.model_slice])
    for populator in compiled.related:
        populator.populate(row, obj)
    for name, place in compiled.annotations.items():
        setattr(obj, name, row[place])
    return obj


# -- writes ---------------------------------------------------------------------------------------------------------


def _plain_model(model: type[models.Model], *, own_save: bool = False) -> None:
    """The shortcuts below skip save() and its signals: refuse a model for which that would change anything."""
    if model.save is not models.Model.save and not own_save:
        raise TypeError(f"{model.__name__} has its own save(): save it.")
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        raise TypeError(f"{model.__name__} has save signal receivers: save it.")


@functools.cache
def _update_sql(model: type[models.Model], fields: tuple[str, ...], alias: str, vendor: str) -> tuple[str, list]:
    _plain_model(model)
    meta = model._meta
    quote = connections[alias].ops.quote_name
    chosen = [meta.get_field(name) for name in fields]
    sets = ", ".join(f"{quote(f.column)} = %s" for f in chosen)
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
    return sql, chosen


def update_fields(obj: models.Model, fields: Sequence[str], *, using: str = DEFAULT_DB_ALIAS) -> int:
    """obj.save(update_fields=fields) as one prepared UPDATE (values prepared by each field as save() would).
    Returns the number of rows updated."""
    connection = connections[using]
    sql, chosen = _update_sql(type(obj), tuple(fields), using, connection.vendor)
    params = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in chosen]
    params.append(obj.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@functools.cache
def _insert_sql(model: type[models.Model], alias: str, vendor: str) -> tuple[str, list]:
    _plain_model(model, own_save=getattr(model, "APPEND_ONLY", False))
    meta = model._meta
    quote = connections[alias].ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key or not isinstance(f, models.AutoField)]
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({values}) RETURNING {quote(meta.pk.column)}"  # noqa: S608
    return sql, fields


def insert(obj: models.Model, *, using: str = DEFAULT_DB_ALIAS) -> models.Model:
    """obj.save() of a new row as one prepared INSERT; sets its primary key. A model with its own save() is refused,
    unless it says APPEND_ONLY = True (its save() only refuses updates, which an insert never is)."""
    if obj.pk is not None:
        raise ValueError("insert() writes new rows only.")
    connection = connections[using]
    sql, fields = _insert_sql(type(obj), using, connection.vendor)
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = using
    return obj
