"""Database connections in long-running processes (dispatchers, claimers, the scheduler, the task worker).

Django checks its connections around each web request; a process that loops for days has no requests, so after a
database restart or failover it would keep a dead connection and fail every query ("the connection is closed")
until someone restarted it. Each unit of work in such a loop calls `drop_broken_connection()` first, and writes
whose loss would cost a message go through `retry_on_connection_loss()`, so the process carries on by itself as
soon as the database answers again.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

log = logging.getLogger(__name__)

T = TypeVar("T")

CONNECTION_ERRORS = (OperationalError, InterfaceError)


def drop_broken_connection(alias: str = DEFAULT_DB_ALIAS) -> None:
    """Close this thread's connection if a database error left it unusable; the next query opens a new one.

    Unlike close_old_connections() this keeps a healthy connection whatever CONN_MAX_AGE says (a dispatcher sends
    thousands of messages a second on one connection), and costs nothing while no error has occurred.
    """
    conn = connections[alias]
    if conn.connection is None or conn.in_atomic_block:
        return
    if conn.errors_occurred:
        if conn.is_usable():
            conn.errors_occurred = False
        else:
            conn.close()


def retry_on_connection_loss(
    work: Callable[[], T],
    *,
    within_seconds: float = 30.0,
    pause_seconds: float = 0.5,
    what: str = "a database write",
    alias: str = DEFAULT_DB_ALIAS,
) -> T:
    """Run `work` (its own transaction, idempotent); while the database connection is lost, reconnect and run it
    again, for up to `within_seconds`. Other errors, and the last connection error, are raised."""
    deadline = time.monotonic() + within_seconds
    while True:
        drop_broken_connection(alias)
        try:
            return work()
        except CONNECTION_ERRORS:
            if time.monotonic() + pause_seconds > deadline:
                raise
            log.warning("Database connection lost during %s; reconnecting and trying again.", what)
            connections[alias].close()
            time.sleep(pause_seconds)


async def in_thread(work: Callable[..., T], /, *args, **kwargs) -> T:
    """Blocking work (the ORM, a blocking HTTP client) from an event loop: in the loop's thread pool, on that
    thread's own connection, replaced first if a database error left it unusable."""

    def run() -> T:
        drop_broken_connection()
        return work(*args, **kwargs)

    return await asyncio.get_running_loop().run_in_executor(None, run)
