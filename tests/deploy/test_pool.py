"""DB_POOL_MAX_SIZE (Django's OPTIONS "pool", psycopg_pool) holds a gunicorn process to its pool: one worker with
8 threads answering 40 concurrent /readyz requests (each queries the database) opens at most 2 connections,
where without a pool it would open one per thread. PostgreSQL only (SQLite has no pool)."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from django.db import connection

from tests.ops.processes import ROOT, database_url, free_port, stop, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND application_name = 'ketnoi-pool-test'"
        )
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a connection pool is for PostgreSQL")
def test_a_web_process_keeps_to_its_pool(settings):
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url() + "?application_name=ketnoi-pool-test",
        "DB_POOL_MAX_SIZE": "2",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "1", "--threads", "8", "--env", "DJANGO_SETTINGS_MODULE=config.settings.test"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(base), timeout=60, what="gunicorn")
        peak = 0

        def probe(_n):
            nonlocal peak
            answer = httpx.get(f"{base}/readyz", timeout=30)
            peak = max(peak, backends())
            return answer.json()["checks"]["database"]["ok"]

        with ThreadPoolExecutor(max_workers=16) as pool:
            assert all(pool.map(probe, range(40)))
        assert 1 <= peak <= 2, peak
        assert backends() <= 2
    finally:
        stop(server)


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False
