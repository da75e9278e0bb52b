"""CPU and commits per message, from /proc and PostgreSQL's statistics: steadier than latency on a shared machine.

CpuMeter sums user + system time of the service processes (each root and all its descendants: gunicorn's master
and workers, a dispatcher and its threads) and of the PostgreSQL backends connected to the benchmark database,
sampled every half second so a backend that exits mid-run still counts up to its last sample. Commits are
pg_stat_database.xact_commit of that database (read after the statistics have been flushed).
"""

import os
import threading
import time
from dataclasses import dataclass, field

TICK = os.sysconf("SC_CLK_TCK")


def process_ticks(pid: int) -> int | None:
    """utime + stime of one process (all its threads), in clock ticks; None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of stat(5), counted after "(comm)"


def descendants(roots: list[int]) -> set[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                parents[int(entry)] = int(f.read().rsplit(b")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
    found = {r for r in roots if r in parents}
    frontier = set(found)
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier and pid not in found}
        found |= frontier
    return found


def _pg(database: str):
    import psycopg

    return psycopg.connect(f"postgres://postgres@127.0.0.1:5432/{database}", autocommit=True)


@dataclass
class CpuUse:
    service_ms: float
    postgres_ms: float
    commits: int
    seconds: float
    parts_ms: dict[str, float] = field(default_factory=dict)  # named parts of service_ms (e.g. web, dispatcher)

    @property
    def total_ms(self) -> float:
        return self.service_ms + self.postgres_ms

    def per(self, messages: int) -> dict[str, float]:
        n = max(messages, 1)
        return {
            "CPU ms/message": round(self.total_ms / n, 2),
            "service CPU ms/message": round(self.service_ms / n, 2),
            "PostgreSQL CPU ms/message": round(self.postgres_ms / n, 2),
            **{f"{name} CPU ms/message": round(ms / n, 2) for name, ms in self.parts_ms.items()},
            "commits/message": round(self.commits / n, 2),
        }


class CpuMeter:
    """with CpuMeter(roots=[server.pid, *dispatcher pids], database=DB) as meter: ...; meter.use.per(n)

    `parts={"web": [server.pid], "dispatcher": [...]}` also reports those roots' (and descendants') share of the
    service's CPU on their own."""

    def __init__(
        self,
        *,
        roots: list[int],
        database: str,
        interval: float = 0.5,
        settle: float = 1.0,
        parts: dict[str, list[int]] | None = None,
    ) -> None:
        self.roots, self.database, self.interval, self.settle = roots, database, interval, settle
        self.parts = parts or {}
        self.start_ticks: dict[tuple[str, int], int] = {}
        self.last_ticks: dict[tuple[str, int], int] = {}
        self.stop = threading.Event()
        self.use: CpuUse | None = None

    def _backends(self) -> set[int]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [self.database]
            ).fetchall()
        return {pid for (pid,) in rows}

    def _commits(self) -> int:
        """Once the counter has stopped moving: an idle backend may hold its counts back for a few seconds."""
        deadline = time.monotonic() + 15
        read = None
        while True:
            with self.lock:
                now = self.conn.execute(
                    "SELECT xact_commit FROM pg_stat_database WHERE datname = %s", [self.database]
                ).fetchone()[0]
            if now == read or time.monotonic() > deadline:
                return now
            read = now
            time.sleep(self.settle)

    def _sample(self, *, first: bool = False) -> None:
        groups = {"service": descendants(self.roots), "postgres": self._backends()}
        groups |= {f"part:{name}": descendants(roots) for name, roots in self.parts.items()}
        for group, pids in groups.items():
            for pid in pids:
                ticks = process_ticks(pid)
                if ticks is None:
                    continue
                key = (group, pid)
                if key not in self.start_ticks:
                    self.start_ticks[key] = ticks if first else 0  # born during the run: all its time counts
                self.last_ticks[key] = ticks

    def _loop(self) -> None:
        while not self.stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> "CpuMeter":
        # The meter reads the cluster-wide views from the "postgres" database: its own work is not counted.
        self.conn = _pg("postgres")
        self.lock = threading.Lock()
        self.commits_before = self._commits()
        self._sample(first=True)
        self.started = time.monotonic()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._sample()
        seconds = time.monotonic() - self.started
        self.stop.set()
        self.thread.join()
        spent = {"service": 0, "postgres": 0, **{f"part:{name}": 0 for name in self.parts}}
        for (group, pid), last in self.last_ticks.items():
            spent[group] += last - self.start_ticks.get((group, pid), 0)
        self.use = CpuUse(
            service_ms=spent["service"] * 1000 / TICK,
            postgres_ms=spent["postgres"] * 1000 / TICK,
            commits=self._commits() - self.commits_before,
            seconds=seconds,
            parts_ms={name: spent[f"part:{name}"] * 1000 / TICK for name in self.parts},
        )
        self.conn.close()


def reference_ms(rounds: int = 5) -> float:
    """CPU ms of a fixed piece of pure-Python work (the median of `rounds`): how fast this machine runs right now.
    The bench machine is a 2-core virtual machine whose speed drifts with its host: the same loop took 0.645 to
    0.927 s within a minute (6 Dec), so two CPU figures measured minutes apart are compared in this unit too."""
    times = []
    for _ in range(rounds):
        started = time.process_time()
        sum(i * i for i in range(300_000))
        times.append(time.process_time() - started)
    return round(sorted(times)[rounds // 2] * 1000, 2)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"
