"""Production code never imports the sandbox: it must be possible to leave the app out entirely."""

import os
import re
import subprocess
import sys
from pathlib import Path

import ketnoi

ROOT = Path(ketnoi.__file__).parent.parent

IMPORTS_SANDBOX = re.compile(
    r"^\s*(from\s+ketnoi\.sandbox\b|import\s+ketnoi\.sandbox\b|from\s+ketnoi\s+import\s+.*\bsandbox\b)", re.M
)


def test_nothing_outside_the_sandbox_imports_it():
    root = Path(ketnoi.__file__).parent
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "sandbox" not in path.relative_to(root).parts[:1] and IMPORTS_SANDBOX.search(path.read_text())
    ]
    assert offenders == []


def test_the_sandbox_refuses_to_start_under_production_settings():
    """Even if someone appended it to INSTALLED_APPS after the production settings' own check."""
    code = (
        "import django; from django.conf import settings; "
        "settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, 'ketnoi.sandbox']; django.setup()"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": "x" * 60, "DEBUG": "0"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode != 0
    assert "The Zalo sandbox cannot be installed in production." in result.stderr
