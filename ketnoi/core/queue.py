"""Work queues kept in database tables. The outbox, the inbound webhook events and the DVCQG relay all use this one.

A queue is a table whose rows are work items. A `WorkQueue` says in a few lines which rows wait, when they are due,
which rows still hold their place in line, and what key orders them; every queue then follows the same rules:

- **Claims skip locked rows** (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite serialises writers), so any number of
  workers share a queue and never take the same row.
- **Per-key order.** A row is taken only when no older row of its key (a person, an API client's line) still holds
  the line; the rows waiting right behind it are taken with it as a *run*, to be handled in order. A row waiting
  for its retry holds its key's later rows back; a dead-lettered one does not.
- **Two ways to work.** Inside the claim's own transaction (`lock_next`: the row lock is the lease, and a worker that
  dies rolls everything back), or outside it (`claim`: rows are marked in flight under a lease that the worker
  renews while it works (`renew`, the heartbeat), and settles with a guard (`settle`, `settle_many`) so a worker
  whose lease ran out can never overwrite what another one recorded). The claim token is the attempt number.
- **Backoff with jitter** between attempts, **dead letters** after the last one, and a **sweeper** that puts back
  rows whose lease ran out (their worker died).
"""

import datetime as dt
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Exists, F, Lookup, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .prepared import Limit, PreparedRead

Number = float | int
Setting = Number | Callable[[], Number]


def _value(setting: Setting) -> float:
    return float(setting() if callable(setting) else setting)


def backoff_seconds(attempts: int, *, base: float, cap: float) -> float:
    """Exponential backoff with jitter: between half and all of base * 2^(attempts-1), at most `cap`."""
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return random.uniform(delay / 2, delay)  # noqa: S311 - jitter, not security


@models.ForeignObject.register_lookup  # foreign keys take only their own lookups, not Field's
@models.Field.register_lookup
class AnyOf(Lookup):
    """`field__any_of=[...]`: field = ANY(%s::type[]), the list as one array parameter (PostgreSQL only)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs}::{self.lhs.output_field.cast_db_type(connection)}[])", [*lhs_params, *rhs_params]


def among(name: str, values: Iterable[Any]) -> Q:
    """`name IN values`; on PostgreSQL as one array parameter (`= ANY(%s)`) instead of one parameter per value: a
    claim of 500 rows no longer has the ORM prepare, and psycopg split and quote, 500 parameters per statement."""
    values = list(values)
    if connection.vendor == "postgresql":
        return Q(**{f"{name}__any_of": values})
    return Q(**{f"{name}__in": values})


class LineProbe(Exists):
    """EXISTS(... LIMIT 1 OFFSET 0): "does an older row of this key hold the line?" asked per candidate row, through
    the key's index with the candidate's key as the index condition.

    Without OFFSET 0 PostgreSQL turns the NOT EXISTS into an anti-join whose plan follows the table's statistics;
    a backlog written since the last ANALYZE (1,000 rows are nothing to autovacuum in a table of millions) looks
    empty, so the planner scanned the whole line index for each candidate: 868 ms and 605,905 buffers for a claim of
    200 with 1,000 queued rows beside 1,000,000 sent ones; 3.4 ms and 3,464 buffers as a per-row probe."""

    def as_sql(self, compiler, connection, template=None, **extra_context):
        sql, params = super().as_sql(compiler, connection, template, **extra_context)
        if not sql.endswith(" LIMIT 1)"):
            raise ValueError(f"Unexpected EXISTS shape: {sql[-40:]}")
        return sql[:-1] + " OFFSET 0)", params


@dataclass(frozen=True)
class Tier:
    """One tier of a claim whose statement is compiled once per process (on PostgreSQL): `where(**values)` gives
    its rows, for values that are ints, strs or lists (lists through `among`), the statement's shape the same
    whatever they are. A claim of a row or two costs its statements' execution, not the ORM's compiling of the
    heads of lines (most of its CPU)."""

    where: Callable[..., Q]
    values: dict[str, Any] = field(default_factory=dict)

    def q(self) -> Q:
        return self.where(**self.values)


@dataclass(frozen=True)
class WorkQueue:
    model: type[models.Model]
    key: tuple[str | models.Expression, ...]  # rows with equal keys are handled one after another, oldest first
    waiting: Q  # rows waiting to be tried
    holds_line: Callable[[dt.datetime], Q]  # unfinished rows at `now`: an older one holds back its key's later rows
    due_field: str = ""  # a waiting row is due once this time has come ("" = always due)
    order_by: tuple[str, ...] = ("pk",)  # which heads of lines go first
    # Claims outside the claim's transaction (leased):
    status_field: str = "status"
    waiting_status: str = ""
    in_flight_status: str = ""
    dead_status: str = ""
    attempts_field: str = "attempts"
    worker_field: str = ""  # who holds the claim, if the table says so
    claimed_at_field: str = ""  # when the claim was taken or last renewed: the lease ends lease_seconds later ...
    lease_until_field: str = ""  # ... or when the lease ends
    lease_seconds: Setting = 60.0
    max_attempts: Setting = 8
    retry_base_seconds: Setting = 5.0
    retry_max_seconds: Setting = 3600.0
    per_key: int = 1  # rows of one key in one claim (the head of its line and the rows right behind it)
    # A claim looks for heads of lines among at most this many of the oldest due waiting rows (0: all of them), so a
    # backlog held by a few long lines (50,000 rows each for 20 people) costs a claim a bounded scan, not the table.
    candidates_per_claim: int = 0
    select_related: tuple[str, ...] = field(default=())
    _prepared: dict[Any, PreparedRead | None] = field(default_factory=dict, compare=False, repr=False)
    only: tuple[str, ...] = field(default=())  # the columns claimed rows are read with (all if empty)

    # -- reading the line ------------------------------------------------------------------------------------------

    def _key_names(self) -> list[str]:
        return [part if isinstance(part, str) else f"_queue_key{i}" for i, part in enumerate(self.key)]

    def _keyed(self, queryset: models.QuerySet) -> models.QuerySet:
        expressions = {f"_queue_key{i}": part for i, part in enumerate(self.key) if not isinstance(part, str)}
        return queryset.annotate(**expressions) if expressions else queryset

    def _due(self, now: dt.datetime) -> Q:
        return Q(**{f"{self.due_field}__lte": now}) if self.due_field else Q()

    def key_of(self, row: models.Model) -> tuple:
        return tuple(getattr(row, name) for name in self._key_names())

    def heads(self, *, now: dt.datetime | None = None, where: Q | None = None) -> models.QuerySet:
        """Waiting rows that are due and first in their line, in claim order (not locked)."""
        now = now or timezone.now()
        ahead = self._keyed(self.model.objects.filter(self.holds_line(now))).filter(
            pk__lt=OuterRef("pk"), **{name: OuterRef(name) for name in self._key_names()}
        )
        rows = self._keyed(self.model.objects.filter(self.waiting, self._due(now), where or Q()))
        if self.candidates_per_claim and self.due_field:
            rows = rows.filter(**{f"{self.due_field}__lte": self._window_end(now, where)})
        return rows.filter(~LineProbe(ahead)).order_by(*self.order_by)

    def _window_end(self, now: dt.datetime, where: Q | None) -> Coalesce:
        """The due time of the last of the `candidates_per_claim` oldest due waiting rows (now if there are fewer):
        one index range read in the same statement. Rows past it wait their turn, as in any first-in-first-out
        queue; the heads among the first ones are found without probing every row of a long line."""
        oldest = self.model.objects.filter(self.waiting, self._due(now), where or Q()).order_by(self.due_field)
        last = oldest.values(self.due_field)[self.candidates_per_claim - 1 : self.candidates_per_claim]
        return Coalesce(Subquery(last), Value(now, output_field=models.DateTimeField()))

    def lock_next(self, *, now: dt.datetime | None = None, where: Q | None = None) -> models.QuerySet:
        """Heads of lines, locked as they are read, skipping rows another worker holds. Inside a transaction."""
        return self._read(self.heads(now=now, where=where).select_for_update(skip_locked=True, of=("self",)))

    def _read(self, rows: models.QuerySet) -> models.QuerySet:
        rows = rows.select_related(*self.select_related) if self.select_related else rows
        return rows.only(*self.only) if self.only else rows

    # -- leased claims ---------------------------------------------------------------------------------------------

    def claim(
        self,
        *,
        limit: int,
        worker: str = "",
        tiers: Sequence[Q | Tier] = (Q(),),
        admit: Callable[[list[models.Model]], list[models.Model]] | None = None,
        on_claim: Callable[[dt.datetime], dict[str, Any]] | None = None,
    ) -> list[list[models.Model]]:
        """Claim up to `limit` rows as runs (each run: one key's rows, oldest first), in one short transaction.

        `tiers` are filled in turn (e.g. emergencies before replies before broadcasts). `admit` may refuse rows
        (quotas): each run is then cut before its first refused row, so a later row never goes without an earlier
        one. Claimed rows are in flight with their attempt counted; the attempt number is the claim's token.
        `on_claim(now)` gives more columns to write with the claim (values or expressions).
        """
        now = timezone.now()
        with transaction.atomic():
            runs: list[list[models.Model]] = []
            taken: list[Any] = []
            for tier in tiers:
                room = limit - len(taken)
                if room <= 0:
                    break
                heads = self._lock_heads(tier, now=now, taken=taken, room=room)
                tier_runs = self._runs(heads, now=now, room=room - len(heads))
                runs += tier_runs
                taken += [row.pk for run in tier_runs for row in run]
            if admit is not None and runs:
                admitted = {row.pk for row in admit([row for run in runs for row in run])}
                runs = [_until_refused(run, admitted) for run in runs]
                runs = [run for run in runs if run]
            rows = [row for run in runs for row in run]
            if rows:
                self._mark_claimed(rows, worker=worker, now=now, extra=on_claim(now) if on_claim else {})
        return runs

    def _lock_heads(self, tier: Q | Tier, *, now: dt.datetime, taken: list[Any], room: int) -> list[models.Model]:
        """Up to `room` heads of lines of the tier, locked, leaving out the rows `taken` by the tiers before."""
        if isinstance(tier, Q) or connection.vendor != "postgresql":
            where = tier if isinstance(tier, Q) else tier.q()
            return list(self.lock_next(now=now, where=where & ~among("pk", taken))[:room])
        kinds = {name: list if isinstance(value, list | tuple) else type(value) for name, value in tier.values.items()}
        kinds = {name: int if issubclass(kind, int) else kind for name, kind in kinds.items()}
        key = (tier.where, tuple(sorted(kinds.items(), key=lambda item: item[0])))

        def build(now: dt.datetime, taken: list[Any], limit: int, **values: Any) -> models.QuerySet:
            return self.lock_next(now=now, where=tier.where(**values) & ~among("pk", taken))[:limit]

        read = self._prepared_read(key, build, now=dt.datetime, taken=list, limit=Limit, **kinds)
        if read is None:
            return list(build(now, taken, room, **tier.values))
        values = {name: list(value) if kinds[name] is list else value for name, value in tier.values.items()}
        return read.rows(now=now, taken=list(taken), limit=room, **values)

    def _prepared_read(self, key: Any, build: Callable[..., models.QuerySet], **kinds: type) -> PreparedRead | None:
        """The statement `build` makes, compiled once per process; None if it cannot be prepared (an argument the
        statement does not carry as a parameter, e.g. a queue whose line ignores the time): the ORM then builds it
        on each call."""
        if key not in self._prepared:
            try:
                self._prepared[key] = PreparedRead(build, **kinds).prepare()
            except ValueError:
                self._prepared[key] = None
        return self._prepared[key]

    def _runs(self, heads: list[models.Model], *, now: dt.datetime, room: int) -> list[list[models.Model]]:
        """Each head with the rows of its key waiting right behind it (due, not locked), at most per_key a run."""
        runs = {self.key_of(head): [head] for head in heads}
        if self.per_key <= 1 or room <= 0 or not heads:
            return list(runs.values())
        behind = self._behind(heads, now=now, room=room)
        wanted: dict[Any, tuple] = {}
        for key, run in runs.items():
            for pk in behind.get(run[0].pk, [])[: self.per_key - 1]:
                if len(wanted) >= room:
                    break
                wanted[pk] = key
        if not wanted:
            return list(runs.values())
        # Locked only if still waiting and due: a row that may not go now (in flight, its retry not yet due), or that
        # another worker holds, ends its run there.
        locked = self.model.objects.filter(self.waiting, self._due(now), among("pk", wanted))
        locked = self._read(locked.select_for_update(skip_locked=True, of=("self",)))
        found = {row.pk: row for row in self._keyed(locked)}
        ended: set[tuple] = set()
        for key, run in runs.items():
            for pk in behind.get(run[0].pk, []):
                if key in ended or pk not in wanted:
                    break
                if pk not in found:
                    ended.add(key)
                    break
                run.append(found[pk])
        return list(runs.values())

    def _behind(self, heads: list[models.Model], *, now: dt.datetime, room: int) -> dict[Any, list[Any]]:
        """For each head, the rows of its key that hold the line behind it, oldest first (at most per_key - 1).

        On PostgreSQL one statement with a bounded index range scan per head (a line of 100,000 waiting rows costs
        no more than a short one); elsewhere (SQLite: one machine, small queues) every such row of those keys."""
        names = self._key_names()
        if connection.vendor == "postgresql":
            read = self._prepared_read("behind", self._behind_rows, now=dt.datetime, heads=list, limit=Limit)
            if read is not None:
                found = read.rows(now=now, heads=[head.pk for head in heads], limit=min(self.per_key - 1, room))
                return dict(found)
            return dict(self._behind_rows(now, [head.pk for head in heads], min(self.per_key - 1, room)))
        line = self._keyed(self.model.objects.filter(self.holds_line(now)))
        by_key = Q(pk__in=[])
        for head in heads:
            by_key |= Q(**dict(zip(names, self.key_of(head), strict=True)))
        head_of = {self.key_of(head): head.pk for head in heads}
        behind: dict[Any, list[Any]] = {head.pk: [] for head in heads}
        for pk, *key in line.filter(by_key).order_by("pk").values_list("pk", *names):
            head = head_of[tuple(key)]
            if pk > head and len(behind[head]) < self.per_key - 1:
                behind[head].append(pk)
        return behind

    def _behind_rows(self, now: dt.datetime, heads: list[Any], limit: int) -> models.QuerySet:
        """(head's pk, [pks of the rows behind it]) for these heads (PostgreSQL)."""
        from django.contrib.postgres.expressions import ArraySubquery

        line = self._keyed(self.model.objects.filter(self.holds_line(now)))
        following = line.filter(pk__gt=OuterRef("pk"), **{name: OuterRef(name) for name in self._key_names()})
        following = following.order_by("pk").values("pk")[:limit]
        rows = self._keyed(self.model.objects.filter(among("pk", heads)))
        return rows.annotate(_queue_behind=ArraySubquery(following)).values_list("pk", "_queue_behind")

    def _mark_claimed(self, rows: list[models.Model], *, worker: str, now: dt.datetime, extra: dict[str, Any]) -> None:
        values: dict[str, Any] = {
            self.status_field: self.in_flight_status,
            self.attempts_field: F(self.attempts_field) + 1,
        }
        if self.worker_field:
            values[self.worker_field] = worker
        if self.claimed_at_field:
            values[self.claimed_at_field] = now
        if self.lease_until_field:
            values[self.lease_until_field] = now + dt.timedelta(seconds=_value(self.lease_seconds))
        self.model.objects.filter(among("pk", [row.pk for row in rows])).update(**values, **extra)
        for row in rows:
            for name, value in values.items():
                if name == self.attempts_field:
                    value = getattr(row, name) + 1
                setattr(row, name, value)
            for name, value in extra.items():
                if not hasattr(value, "resolve_expression"):
                    setattr(row, name, value)

    def _claimed(self, pk: Any, attempt: int, worker: str = "") -> Q:
        guard = Q(pk=pk, **{self.status_field: self.in_flight_status, self.attempts_field: attempt})
        if self.worker_field and worker:
            guard &= Q(**{self.worker_field: worker})
        return guard

    def still_claimed(self, pk: Any, attempt: int, *, worker: str = "") -> models.QuerySet:
        """The row, only while this claim (pk, attempt[, worker]) still holds it."""
        return self.model.objects.filter(self._claimed(pk, attempt, worker))

    def renew(self, pks: Iterable[Any], *, worker: str = "", now: dt.datetime | None = None) -> int:
        """The heartbeat: push back the lease of rows this worker still holds (one statement). Returns rows renewed."""
        pks = list(pks)
        if not pks:
            return 0
        now = now or timezone.now()
        values: dict[str, Any] = {}
        if self.claimed_at_field:
            values[self.claimed_at_field] = now
        if self.lease_until_field:
            values[self.lease_until_field] = now + dt.timedelta(seconds=_value(self.lease_seconds))
        held = self.model.objects.filter(among("pk", pks), **{self.status_field: self.in_flight_status})
        if self.worker_field:
            held = held.filter(**{self.worker_field: worker})
        return held.update(**values)

    # -- settling --------------------------------------------------------------------------------------------------

    def _released(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if self.worker_field:
            values[self.worker_field] = ""
        if self.lease_until_field:
            values[self.lease_until_field] = None
        return values

    def settle(self, pk: Any, attempt: int, *, worker: str = "", **values: Any) -> bool:
        """Record what happened to a claimed row, only if this claim still holds it."""
        return bool(self.model.objects.filter(self._claimed(pk, attempt, worker)).update(**self._released(), **values))

    def settle_many(
        self,
        items: Sequence[tuple[Any, int, dict[str, Any]]],
        *,
        worker: str = "",
        whoever_holds: Sequence[str] = (),
        **common: Any,
    ) -> set[Any]:
        """settle() for many rows in one statement: (pk, attempt, per-row values) each, plus `common` values.

        Rows this worker no longer holds are left alone; with `whoever_holds` (statuses), any row in one of those
        statuses is settled instead, for outcomes that are facts whoever holds the row now (a provider's id for a
        message it took). Returns the primary keys of the rows settled."""
        if not items:
            return set()
        common = {**self._released(), **common}
        return _update_from_values(self, items, worker=worker, common=common, whoever_holds=whoever_holds)

    def release(self, items: Iterable[tuple[Any, int]], *, worker: str = "") -> int:
        """Give back claimed rows that were not tried (an earlier row of their key must be retried first): they
        wait again, and the attempt is not counted."""
        by_attempt: dict[int, list[Any]] = {}
        for pk, attempt in items:
            by_attempt.setdefault(attempt, []).append(pk)
        released = 0
        for attempt, pks in by_attempt.items():
            held = self.model.objects.filter(
                among("pk", pks), **{self.status_field: self.in_flight_status, self.attempts_field: attempt}
            )
            if self.worker_field and worker:
                held = held.filter(**{self.worker_field: worker})
            released += held.update(
                **self._released(),
                **{self.status_field: self.waiting_status, self.attempts_field: F(self.attempts_field) - 1},
            )
        return released

    def retry_later(
        self,
        pk: Any,
        attempt: int,
        *,
        worker: str = "",
        at_least_seconds: float = 0.0,
        dead_values: dict[str, Any] | None = None,
        **values: Any,
    ) -> str:
        """After a failed attempt: wait again after a backoff with jitter, or become a dead letter after the last
        attempt. Returns the new status ("" if this claim no longer holds the row)."""
        if attempt >= _value(self.max_attempts):
            done = self.settle(
                pk, attempt, worker=worker, **{self.status_field: self.dead_status}, **(dead_values or {})
            )
            return self.dead_status if done else ""
        when = timezone.now() + dt.timedelta(seconds=max(self.backoff(attempt), at_least_seconds))
        due = {self.due_field: when} if self.due_field else {}
        done = self.settle(pk, attempt, worker=worker, **{self.status_field: self.waiting_status}, **due, **values)
        return self.waiting_status if done else ""

    def backoff(self, attempts: int) -> float:
        return backoff_seconds(attempts, base=_value(self.retry_base_seconds), cap=_value(self.retry_max_seconds))

    def sweep(
        self,
        *,
        lease_seconds: float | None = None,
        requeue_values: dict[str, Any] | None = None,
        dead_values: dict[str, Any] | None = None,
    ) -> int:
        """Put back rows whose lease ran out (their worker died or stalled); dead letters after the last attempt.
        Safe to run from many processes. Returns how many rows it moved."""
        now = timezone.now()
        expired = self.model.objects.filter(**{self.status_field: self.in_flight_status})
        if self.lease_until_field:
            expired = expired.filter(**{f"{self.lease_until_field}__lt": now})
        else:
            lease = _value(self.lease_seconds) if lease_seconds is None else lease_seconds
            expired = expired.filter(**{f"{self.claimed_at_field}__lt": now - dt.timedelta(seconds=lease)})
        with transaction.atomic():
            dead = expired.filter(**{f"{self.attempts_field}__gte": _value(self.max_attempts)}).update(
                **self._released(), **{self.status_field: self.dead_status}, **(dead_values or {})
            )
            requeued = expired.update(
                **self._released(), **{self.status_field: self.waiting_status}, **(requeue_values or {})
            )
        return dead + requeued


def _until_refused(run: list[models.Model], admitted: set[Any]) -> list[models.Model]:
    for i, row in enumerate(run):
        if row.pk not in admitted:
            return run[:i]
    return run


def _update_from_values(
    queue: WorkQueue,
    items: Sequence[tuple[Any, int, dict[str, Any]]],
    *,
    worker: str,
    common: dict[str, Any],
    whoever_holds: Sequence[str],
) -> set[Any]:
    """UPDATE ... FROM (VALUES ...) guarded per row by its claim: one statement for a whole batch of outcomes."""
    meta = queue.model._meta
    quote = connection.ops.quote_name
    names = sorted({name for _pk, _attempt, values in items for name in values})
    for _pk, _attempt, values in items:
        if set(values) != set(names):
            raise ValueError("settle_many needs the same fields for every row.")
    fields = {name: meta.get_field(name) for name in names}
    table = quote(meta.db_table)
    pk_column = meta.pk.column
    types = ["bigint", "bigint"] + [_cast_type(fields[n]) for n in names]
    rows = [
        [pk, attempt] + [fields[n].get_db_prep_save(values[n], connection) for n in names]
        for pk, attempt, values in items
    ]
    if connection.vendor == "postgresql":  # one array per column: a few parameters whatever the batch's size
        source = f"SELECT * FROM unnest({', '.join(f'%s::{t}[]' for t in types)})"  # noqa: S608 - types from the model
        params: list[Any] = [list(column) for column in zip(*rows, strict=True)]
    else:
        row_sql = "(" + ", ".join(f"CAST(%s AS {t})" for t in types) + ")"
        source = "VALUES " + ", ".join([row_sql] * len(rows))
        params = [value for row in rows for value in row]
    value_columns = ", ".join(["q_pk", "q_attempt"] + [f"q_{n}" for n in names])
    assignments = [f"{quote(fields[n].column)} = v.q_{n}" for n in names]
    common_params: list[Any] = []
    for name, value in common.items():
        common_field = meta.get_field(name)
        assignments.append(f"{quote(common_field.column)} = %s")
        common_params.append(common_field.get_db_prep_save(value, connection))
    status_column = f"{table}.{quote(meta.get_field(queue.status_field).column)}"
    guard = [f"{table}.{quote(pk_column)} = v.q_pk"]
    guard_params: list[Any] = []
    if whoever_holds:
        guard.append(f"{status_column} IN ({', '.join(['%s'] * len(whoever_holds))})")
        guard_params += list(whoever_holds)
    else:
        guard += [
            f"{table}.{quote(meta.get_field(queue.attempts_field).column)} = v.q_attempt",
            f"{status_column} = %s",
        ]
        guard_params.append(queue.in_flight_status)
        if queue.worker_field and worker:
            guard.append(f"{table}.{quote(meta.get_field(queue.worker_field).column)} = %s")
            guard_params.append(worker)
    statement = (
        f"WITH v ({value_columns}) AS ({source}) "  # noqa: S608 - identifiers from the model
        f"UPDATE {table} SET {', '.join(assignments)} FROM v WHERE {' AND '.join(guard)} "
        f"RETURNING {table}.{quote(pk_column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, *common_params, *guard_params])
        return {row[0] for row in cursor.fetchall()}


def _cast_type(model_field: models.Field) -> str:
    """A type both PostgreSQL and SQLite read in CAST(... AS type) for the per-row values of settle_many."""
    internal = model_field.get_internal_type()
    if internal in ("BigAutoField", "AutoField", "BigIntegerField", "IntegerField", "PositiveIntegerField"):
        return "bigint"
    if internal in ("PositiveSmallIntegerField", "SmallIntegerField"):
        return "integer"
    if internal in ("CharField", "TextField"):
        return "text"
    raise ValueError(f"settle_many cannot carry a {internal} per row; pass it as a common value.")
