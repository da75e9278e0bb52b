"""The sandbox can never run in production. (That production code never imports it is checked by import-linter.)"""

import os
import subprocess
import sys
from pathlib import Path

import ketnoi
from tests.ops.test_production_settings import GOOD

ROOT = Path(ketnoi.__file__).parent.parent


def test_the_sandbox_refuses_to_start_under_production_settings():
    """Even if someone appended it to INSTALLED_APPS after the production settings' own check."""
    code = (
        "import django; from django.conf import settings; "
        "settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, 'ketnoi.sandbox']; django.setup()"
    )
    env = {**os.environ, **GOOD, "DJANGO_SETTINGS_MODULE": "config.settings.production", "DEBUG": "0"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode != 0
    assert "The Zalo sandbox cannot be installed in production." in result.stderr
