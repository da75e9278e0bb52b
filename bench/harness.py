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
