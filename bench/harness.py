"""Shared pieces: a fresh PostgreSQL database, a gunicorn server, percentiles, and the results files."""

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
DB_NAME = os.environ.get("BENCH_DB", "ketnoi_bench")
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"


@dataclass
class Result:
    name: str
    title: str
    figures: dict
    baseline: dict
    target: str
    met: bool
    notes: str = ""
    measured_at: str = field(default_factory=lambda: time.strftime("%Y-%m-%d %H:%M:%S %Z"))


def env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": DATABASE_URL,
        "PYTHONPATH": str(ROOT),
    }


def manage(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env(), check=check, capture_output=True, text=True
    )


def fresh_database() -> None:
    """Drop and recreate the benchmark database, then migrate it."""
    import psycopg

    if "django.db" in sys.modules:  # a previous benchmark in this process holds connections to the old database
        from django.db import connections

        connections.close_all()

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    manage("migrate", "--noinput", "-v0")


def settle_tables() -> None:
    """VACUUM ANALYZE the benchmark database after loading: a production database has its planner statistics and
    visibility map; tables just filled by bulk_create have neither until autovacuum gets round to them, and plans
    (and CPU per event) then change in the middle of a run."""
    import psycopg

    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def django_setup() -> None:
    os.environ.update(env())
    import django

    django.setup()


def free_port() -> int:
    """A free port; inside BENCH_PORTS (e.g. "8600-8699") when given, for machines whose sessions share out ports."""
    low, _, high = os.environ.get("BENCH_PORTS", "").partition("-")
    candidates = range(int(low), int(high or low) + 1) if low else [0]
    for port in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError(f"No free port in BENCH_PORTS={os.environ['BENCH_PORTS']}")


class Server:
    """gunicorn serving bench.urls; the production server, not runserver."""

    def __init__(self, workers: int = 2, threads: int = 8, timeout: int = 30):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = [
            PYTHON,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--timeout",
            str(timeout),
            "--log-level",
            "warning",
            "--header-map",
            "dangerous",  # keep Zalo's underscore headers (access_token, secret_key) for the sandbox sink
            "--env",
            "DJANGO_SETTINGS_MODULE=bench.settings",
        ]

    def __enter__(self):
        import httpx

        self.process = subprocess.Popen(self.args, cwd=ROOT, env=env())
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/bench/bare", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=20)


def api_server(clients: int) -> Server:
    """gunicorn for an API benchmark with `clients` requests in flight: 2 workers (the 2 cores) x clients/2 threads,
    as many request slots as requests. With 2 x 8 slots for 8 clients, a worker holds more of the keep-alive
    connections than the other, and its threads queue on its GIL while the other idles: 274-292 single status
    events/s at 6.0-6.4 CPU ms against 326-331/s at 5.2-5.3 for 2 x 4, alternated in one run (6 Dec, load 1.9-2.2).
    docs/operations.md gives the same advice for an API-heavy web machine."""
    return Server(workers=2, threads=max(1, clients // 2))


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def save(result: Result) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{result.name}.json").write_text(json.dumps(asdict(result), indent=2, ensure_ascii=False) + "\n")


def load_all() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))]
