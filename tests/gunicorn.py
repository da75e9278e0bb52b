"""The real gunicorn for access-log tests: started from the repository root (so it reads gunicorn.conf.py, as
Procfile.dev does) on a free port, serving a small WSGI app, its access log written to a file."""

import contextlib
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from django.conf import settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn_serving(app: str, log: Path):
    """Yields the base URL; `/up` is requested until the server answers (leave it out of what you count)."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}"]
    command += ["--access-logfile", str(log), "--workers", "1"]
    server = subprocess.Popen(command, cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/up", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def logged_lines(log: Path, *, until: str, timeout: float = 5.0) -> list[str]:
    """The access log's lines other than `/up`, once one contains `until` (gunicorn writes after the response)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [line for line in log.read_text().splitlines() if "/up " not in line]
        if any(until in line for line in lines) or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)
