"""Real processes for operations tests: manage.py commands and servers on the test database, free ports, waits."""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.gunicorn import free_port  # noqa: F401 (re-exported for the operations tests)

ROOT = Path(settings.BASE_DIR)


def database_url() -> str:
    """The test database (this xdist worker's) as a DATABASE_URL, for processes the test starts."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def wait_for(condition, *, timeout: float = 60.0, what: str = "condition", every: float = 0.1):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"Timed out waiting for {what} (last: {last!r}).")


def manage(*args: str, env: dict[str, str] | None = None, **popen) -> subprocess.Popen:
    """`manage.py <args>` on the test database under the test settings, unless `env` says otherwise."""
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    popen.setdefault("stdout", subprocess.PIPE)
    popen.setdefault("stderr", subprocess.STDOUT)
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, **popen)  # noqa: S603


def stop(process: subprocess.Popen, *, timeout: float = 20) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
