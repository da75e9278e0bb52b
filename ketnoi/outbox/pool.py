"""A fixed set of sender threads. Each keeps one database connection, replaced when a database error left it
unusable (a restart, a failover), and closed when the pool stops.

Jobs wait in a priority queue (the outbox lane, then arrival), so an emergency alert or a reply that arrives
while bulk sends are queued goes to the next free sender instead of waiting behind them.
"""

import itertools
import logging
import queue
import threading
from collections.abc import Callable

from django.db import connections

from ketnoi.core.db import drop_broken_connection

log = logging.getLogger(__name__)
_STOP = object()
_LAST = 1_000_000  # stop markers sort after every real job


class SenderPool:
    def __init__(self, size: int, name: str = "sender") -> None:
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._arrival = itertools.count()
        self._idle = threading.Condition()
        self._pending = 0
        self._threads = [threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True) for i in range(size)]
        for thread in self._threads:
            thread.start()

    @property
    def pending(self) -> int:
        return self._pending

    def submit(self, fn: Callable, *args, priority: int = 0) -> None:
        """Lower priority values run first; equal ones in the order submitted."""
        with self._idle:
            self._pending += 1
        self._queue.put((priority, next(self._arrival), fn, args))

    def wait(self, *, below: int = 1, timeout: float | None = None) -> bool:
        """Block until fewer than `below` jobs are pending (0 pending when below=1)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending < below, timeout=timeout)

    def close(self) -> None:
        """Finish what was submitted, then stop every thread (closing its connection)."""
        for _ in self._threads:
            self._queue.put((_LAST, next(self._arrival), _STOP, ()))
        for thread in self._threads:
            thread.join()

    def _work(self) -> None:
        try:
            while True:
                _priority, _arrival, fn, args = self._queue.get()
                if fn is _STOP:
                    return
                try:
                    drop_broken_connection()
                    fn(*args)
                except Exception:
                    log.exception("A send job failed outside the outbox's error handling.")
                finally:
                    with self._idle:
                        self._pending -= 1
                        self._idle.notify_all()
        finally:
            connections.close_all()
