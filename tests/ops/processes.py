"""Real processes for operations tests: manage.py commands and servers on the test database, free ports, waits."""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

from tests.gunicorn import free_port  # noqa: F401 (re-exported for the operations tests)
from tests.outbox.helpers import _database_url

ROOT = Path(settings.BASE_DIR)


def database_url() -> str:
    """The test database (this xdist worker's) as a DATABASE_URL, for processes the test starts."""
    return _database_url()


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
