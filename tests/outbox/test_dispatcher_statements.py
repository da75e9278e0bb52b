"""The dispatcher's database work per batch does not grow with the batch: a claim (the heads of people's lines per
lane, the rows behind them, the quota tokens, one UPDATE) and one UPDATE for the sent-marks, however many rows the
batch holds. Statements are counted on every connection the dispatcher's threads open."""

import threading

import pytest

from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models.sql.compiler import SQLCompiler

from ketnoi.outbox import dispatcher as dispatcher_module
from ketnoi.outbox.dispatcher import Dispatcher
from ketnoi.outbox.models import OutboundMessage, Status

from .helpers import enqueue
from .sink import SinkType

TRANSACTION_CONTROL = {"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"}


class StatementLog:
    """Every statement run on a connection opened while the log is on (the dispatcher's threads open their own),
    with the thread that ran it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statements: list[tuple[str, str]] = []

    def __call__(self, execute, sql, params, many, context):
        with self.lock:
            self.statements.append((threading.current_thread().name, sql))
        return execute(sql, params, many, context)

    def on_connect(self, sender, connection, **kwargs):
        connection.execute_wrappers.append(self)

    def of_threads(self, prefix: str) -> list[str]:
        with self.lock:
            return [
                sql for thread, sql in self.statements if thread.startswith(prefix) and sql not in TRANSACTION_CONTROL
            ]


def dispatch_one_batch(size: int) -> list[str]:
    log = StatementLog()
    connection_created.connect(log.on_connect)
    try:
        dispatcher = Dispatcher(concurrency=4, batch_size=200)
        try:
            assert dispatcher.dispatch_once() == size
        finally:
            dispatcher.close()
    finally:
        connection_created.disconnect(log.on_connect)
    return log.of_threads("outbox-")


def shape(sql: str) -> str:
    """A statement's kind: its first words (the claim's SELECTs, the quota bucket's, the UPDATEs, the marks)."""
    words = sql.split()
    if words[0] in ("SAVEPOINT", "RELEASE"):
        return words[0]
    return " ".join(words[:4]) if words[0] == "SELECT" and len(words) > 3 else " ".join(words[:3])


def test_a_batch_sent_by_the_dispatcher_costs_the_same_statements_whatever_its_size(make_channel, sink, monkeypatch):
    # The sent-marks are written together every few milliseconds; held back here so the whole batch's marks are
    # one write whatever the sends' timing (in production a batch's marks are a handful of writes at most).
    monkeypatch.setattr(dispatcher_module, "MARK_EVERY_SECONDS", 60.0)
    monkeypatch.setattr(SinkType, "timeout", 30.0)  # a retry would add its own statements; none on a busy machine
    channel = make_channel()
    enqueue(channel, "warm", user_id="warm")
    dispatch_one_batch(1)  # the quota bucket's row exists now
    seen = {}
    for size in (5, 60):
        for n in range(size):
            enqueue(channel, f"b{size}-{n}", user_id=f"u{size}-{n}", text=f"Tin {n}")
        seen[size] = dispatch_one_batch(size)
    assert len(sink.counts()) == 66 and set(sink.counts().values()) == {1}
    assert OutboundMessage.objects.filter(status=Status.SENT).count() == 66
    listing = "\n".join(s[:160] for s in seen[60])
    assert [shape(s) for s in seen[5]] == [shape(s) for s in seen[60]], listing
    # The claim: the heads of people's lines lane by lane and the rows behind them, the channels, the quota bucket
    # (read under lock, written in one UPDATE ... FROM VALUES, no savepoint; a bucket this process has seen is not
    # looked for first), the rows marked sending; then one write of every sent-mark (UPDATE ... FROM VALUES).
    marks = [s for s in seen[60] if s.startswith("WITH v (q_pk") and "UPDATE" in s]
    assert len(marks) == 1, listing
    assert len(seen[60]) == (EXPECTED_POSTGRESQL if connection.vendor == "postgresql" else EXPECTED_SQLITE), listing


EXPECTED_POSTGRESQL = 9
EXPECTED_SQLITE = 9


def test_a_claim_of_one_row_compiles_no_statement_for_its_heads_on_postgresql(make_channel, sink):
    """A trickle of single notices is claimed a row or two at a time: the heads of lines and the rows behind them
    are statements compiled once per process (core/queue.Tier, core/prepared.py): before, compiling them was most
    of such a claim's CPU (33 ms of Python for a claim of one row; 6 ms since)."""
    if connection.vendor != "postgresql":
        pytest.skip("the claim's statements are prepared on PostgreSQL; SQLite compiles them per claim")
    channel = make_channel()
    dispatcher = Dispatcher(concurrency=4, batch_size=200)
    compiled = []
    original = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self.query.model.__name__ if self.query.model else "")
        return original(self, *args, **kwargs)

    try:
        enqueue(channel, "warm-1", user_id="w1")
        assert dispatcher.dispatch_once() == 1  # statements compiled, channel and quota bucket known
        for n in range(3):
            enqueue(channel, f"one-{n}", user_id=f"p{n}")
            compiled.clear()
            SQLCompiler.as_sql = counting
            try:
                assert dispatcher.dispatch_once() == 1
            finally:
                SQLCompiler.as_sql = original
            # The quota bucket's read (FOR UPDATE) only; nothing for the 3 lanes' heads of lines (each with its line
            # probe and candidate window) nor the rows behind them. (The UPDATE marking the row has its own compiler.)
            assert len(compiled) <= 1, compiled
    finally:
        dispatcher.close()
    assert OutboundMessage.objects.filter(status=Status.SENT).count() == 4
