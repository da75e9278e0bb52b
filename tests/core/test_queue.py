"""The one queue mechanism (ketnoi.core.queue) on a table of its own: per-key order (also under retries), runs,
quotas cutting runs, skipped locks, leases renewed and swept, guarded settling (one statement for many rows),
backoff with jitter and dead letters. The outbox, the inbound queue and the DVCQG relay are its three users; their
own tests show the same rules through their public interfaces."""

import dataclasses
import datetime as dt
import json
import threading
from types import SimpleNamespace

import pytest

from django.db import connection, models, transaction
from django.db.models import Q
from django.test.utils import isolate_apps
from django.utils import timezone

from ketnoi.core.queue import WorkQueue, backoff_seconds


def holds_line(now):
    return Q(status="busy") | Q(status="waiting", attempts__gt=0) | Q(status="waiting", next_attempt_at__lte=now)


@pytest.fixture
def work(transactional_db):
    """A work table of its own, in an isolated app registry (the suite's world snapshot reads every registered
    model), created for the test and dropped after it, with its queue and a way to add rows."""
    with isolate_apps("ketnoi.core"):

        class WorkItem(models.Model):
            line = models.CharField(max_length=20)
            status = models.CharField(max_length=10, default="waiting")
            attempts = models.PositiveIntegerField(default=0)
            next_attempt_at = models.DateTimeField(default=timezone.now)
            claimed_by = models.CharField(max_length=40, blank=True)
            claimed_at = models.DateTimeField(null=True)
            note = models.CharField(max_length=40, blank=True)
            size = models.IntegerField(default=0)

            class Meta:
                app_label = "core"
                db_table = "test_core_queue_workitem"

            def __str__(self) -> str:
                return f"{self.line}#{self.pk}"

    queue = WorkQueue(
        model=WorkItem,
        key=("line",),
        waiting=Q(status="waiting"),
        holds_line=holds_line,
        due_field="next_attempt_at",
        waiting_status="waiting",
        in_flight_status="busy",
        dead_status="dead",
        worker_field="claimed_by",
        claimed_at_field="claimed_at",
        lease_seconds=60,
        max_attempts=3,
        retry_base_seconds=10,
        retry_max_seconds=100,
        per_key=3,
    )

    def add(line: str, count: int = 1, **values) -> list[WorkItem]:
        return [WorkItem.objects.create(line=line, **values) for _ in range(count)]

    with connection.schema_editor() as editor:
        editor.create_model(WorkItem)
    yield SimpleNamespace(model=WorkItem, queue=queue, add=add)
    with connection.schema_editor() as editor:
        editor.delete_model(WorkItem)


def pks(runs) -> list[list[int]]:
    return [[row.pk for row in run] for run in runs]


def test_a_claim_takes_each_line_from_its_head_with_the_rows_right_behind(work):
    a = work.add("a", 4)
    b = work.add("b", 1)
    runs = work.queue.claim(limit=10, worker="w1")
    assert pks(runs) == [[a[0].pk, a[1].pk, a[2].pk], [b[0].pk]]  # per_key=3: a[3] waits for the next claim
    assert {row.status for run in runs for row in run} == {"busy"}
    assert set(work.model.objects.filter(status="busy").values_list("attempts", "claimed_by")) == {(1, "w1")}
    assert work.queue.claim(limit=10, worker="w2") == []  # a's line is still held by its rows in flight


def test_a_row_waiting_for_its_retry_holds_back_its_line_and_a_dead_one_does_not(work):
    later = timezone.now() + dt.timedelta(minutes=5)
    retrying, behind = work.add("a", 1, attempts=1, next_attempt_at=later)[0], work.add("a", 1)[0]
    dead, after_dead = work.add("b", 1, status="dead", attempts=3)[0], work.add("b", 1)[0]
    scheduled, not_held = work.add("c", 1, next_attempt_at=later)[0], work.add("c", 1)[0]  # never tried: holds nothing
    heads = set(work.queue.heads().values_list("pk", flat=True))
    assert heads == {after_dead.pk, not_held.pk}
    assert retrying.pk not in heads and behind.pk not in heads and dead.pk not in heads and scheduled.pk not in heads


def test_a_run_stops_at_the_first_row_that_may_not_go_yet(work):
    first = work.add("a")[0]
    work.add("a", 1, attempts=1, next_attempt_at=timezone.now() + dt.timedelta(minutes=1))  # its retry is not due
    work.add("a")
    assert pks(work.queue.claim(limit=10)) == [[first.pk]]


def test_tiers_are_filled_in_turn(work):
    urgent = work.add("u", 2, size=0)
    work.add("x", 3, size=1)
    runs = work.queue.claim(limit=2, tiers=[Q(size=0), Q(size=1)])
    assert pks(runs) == [[urgent[0].pk, urgent[1].pk]]


def test_refused_rows_cut_their_run_so_no_row_leaves_before_an_earlier_one(work):
    a = work.add("a", 3)
    b = work.add("b", 2)
    refuse = {a[1].pk, b[0].pk}
    runs = work.queue.claim(limit=10, worker="w", admit=lambda rows: [r for r in rows if r.pk not in refuse])
    assert pks(runs) == [[a[0].pk]]
    assert list(work.model.objects.filter(status="busy").values_list("pk", flat=True)) == [a[0].pk]


def test_settling_is_guarded_by_the_claim(work):
    [row] = work.add("a")
    [[claimed]] = work.queue.claim(limit=1, worker="w1")
    assert not work.queue.settle(row.pk, claimed.attempts + 1, worker="w1", status="done")  # not this attempt's
    assert not work.queue.settle(row.pk, claimed.attempts, worker="w2", status="done")  # not this worker's
    assert work.queue.settle(row.pk, claimed.attempts, worker="w1", status="done", note="ok")
    row.refresh_from_db()
    assert (row.status, row.note, row.claimed_by) == ("done", "ok", "")


def test_settle_many_writes_a_batch_in_one_statement_and_skips_rows_no_longer_held(work, django_assert_num_queries):
    for line in "abcd":
        work.add(line)
    rows = [run[0] for run in work.queue.claim(limit=10, worker="w")]
    work.model.objects.filter(pk=rows[3].pk).update(status="waiting")  # swept meanwhile
    items = [(row.pk, row.attempts, {"note": f"id-{row.pk}", "size": i}) for i, row in enumerate(rows)]
    with django_assert_num_queries(1):
        assert work.queue.settle_many(items, worker="w", status="done") == {row.pk for row in rows[:3]}
    done = {r.pk: (r.status, r.note, r.size, r.claimed_by) for r in work.model.objects.all()}
    assert [done[r.pk] for r in rows[:3]] == [("done", f"id-{r.pk}", i, "") for i, r in enumerate(rows[:3])]
    assert done[rows[3].pk][0] == "waiting"


def test_released_rows_wait_again_without_the_attempt_counted(work):
    work.add("a", 3)
    [run] = work.queue.claim(limit=10, worker="w")
    assert work.queue.release([(row.pk, row.attempts) for row in run[1:]], worker="w") == 2
    assert list(work.model.objects.order_by("pk").values_list("status", "attempts")) == [
        ("busy", 1),
        ("waiting", 0),
        ("waiting", 0),
    ]


def test_retries_back_off_with_jitter_and_the_last_attempt_makes_a_dead_letter(work):
    [row] = work.add("a")
    for attempt in (1, 2):
        work.model.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        [[claimed]] = work.queue.claim(limit=1, worker="w")
        before = timezone.now()
        assert work.queue.retry_later(row.pk, claimed.attempts, worker="w", note="503") == "waiting"
        row.refresh_from_db()
        delay = (row.next_attempt_at - before).total_seconds()
        assert 10 * 2 ** (attempt - 1) / 2 - 1 <= delay <= 10 * 2 ** (attempt - 1) + 1
    work.model.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    [[claimed]] = work.queue.claim(limit=1, worker="w")
    assert work.queue.retry_later(row.pk, claimed.attempts, worker="w", dead_values={"note": "gave up"}) == "dead"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.note) == ("dead", 3, "gave up")
    delays = [backoff_seconds(3, base=10, cap=25) for _ in range(200)]
    assert min(delays) >= 12.5 and max(delays) <= 25 and len(set(delays)) > 1


def test_the_heartbeat_keeps_a_lease_and_the_sweeper_takes_back_expired_ones(work):
    work.add("a")
    work.add("b")
    work.add("c", 1, attempts=2)
    runs = work.queue.claim(limit=10, worker="w1")
    assert len(runs) == 3
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    work.model.objects.update(claimed_at=long_ago)
    kept = runs[0][0]
    assert work.queue.renew([kept.pk], worker="w1") == 1
    assert work.queue.renew([runs[1][0].pk], worker="someone else") == 0
    assert work.queue.sweep(requeue_values={"note": "unknown"}, dead_values={"note": "lost"}) == 2
    states = {r.line: (r.status, r.note, r.claimed_by) for r in work.model.objects.all()}
    assert states == {"a": ("busy", "", "w1"), "b": ("waiting", "unknown", ""), "c": ("dead", "lost", "")}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks (SKIP LOCKED) exist on PostgreSQL only")
def test_a_row_locked_elsewhere_is_skipped_and_so_is_the_rest_of_its_line(work):
    a1, a2 = work.add("a", 2)
    [b1] = work.add("b")
    holding, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                work.model.objects.select_for_update().get(pk=a1.pk)
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert holding.wait(30)
        assert pks(work.queue.claim(limit=10, worker="w")) == [[b1.pk]]
    finally:
        release.set()
        thread.join(30)
    assert pks(work.queue.claim(limit=10, worker="w")) == [[a1.pk, a2.pk]]


def test_heads_are_looked_for_among_the_oldest_due_rows_only_when_the_queue_says_so(work):
    """A backlog of a few long lines: each line's head is in flight, so none of its waiting rows may go. With a
    window, the claim looks at the oldest rows only and leaves the newer line for later, as first-in-first-out."""
    for line in ("a", "b"):
        work.add(line, 1, status="busy", attempts=1)
        work.add(line, 5)
    late = work.add("c")[0]
    windowed = dataclasses.replace(work.queue, candidates_per_claim=4)
    assert windowed.claim(limit=10) == []  # the 4 oldest due rows all wait behind a's and b's rows in flight
    assert pks(work.queue.claim(limit=10)) == [[late.pk]]  # without a window the whole backlog is probed
    work.model.objects.filter(line="a").update(status="dead")  # a's line is done: its rows leave the backlog
    work.model.objects.filter(line="b", status="busy").update(status="dead")
    assert [run[0].line for run in windowed.claim(limit=10)] == ["b"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="counts what PostgreSQL's plan examined")
def test_a_claim_probes_no_more_rows_than_its_window_however_long_the_lines(work):
    for line in ("a", "b", "c"):
        work.add(line, 1, status="busy", attempts=1)
        work.model.objects.bulk_create(work.model(line=line) for _ in range(300))
    windowed = dataclasses.replace(work.queue, candidates_per_claim=50)

    def rows_probed(queue) -> int:
        sql, params = queue.heads()[:10].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan

        def loops(node) -> int:
            own = node["Actual Loops"] if node.get("Subplan Name", "").startswith("SubPlan") else 0
            return max([own] + [loops(child) for child in node.get("Plans", [])])

        return loops(plan[0]["Plan"])

    assert rows_probed(work.queue) == 900  # every waiting row asked whether an older one holds its line
    assert rows_probed(windowed) <= 50
