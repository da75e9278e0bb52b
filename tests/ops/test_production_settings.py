"""Production refuses to start without its own encryption key and without a shared cache (tests/console has the
DEBUG and SECRET_KEY cases); `check --deploy` passes with them."""

import subprocess
import sys

from .processes import ROOT

GOOD = {
    "SECRET_KEY": "k" * 20 + "-Zx8#q!Lm2@vR7$tN4%wP6^yB1&" + "s9*",
    "FIELD_ENCRYPTION_KEY": "field-key-" + "x" * 30,
    "CACHE_URL": "redis://127.0.0.1:6379/9",
    "ALLOWED_HOSTS": "ketnoi.example.gov.vn",
}


def check(**env) -> subprocess.CompletedProcess:
    full = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.production", **env}
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    return subprocess.run(command, capture_output=True, text=True, env=full, cwd=ROOT, timeout=120)  # noqa: S603


def test_production_needs_its_own_field_encryption_key_and_a_shared_cache():
    assert check(**GOOD).returncode == 0, check(**GOOD).stderr
    without_key = check(**{k: v for k, v in GOOD.items() if k != "FIELD_ENCRYPTION_KEY"})
    assert without_key.returncode != 0 and "FIELD_ENCRYPTION_KEY" in without_key.stderr
    same_key = check(**{**GOOD, "FIELD_ENCRYPTION_KEY": GOOD["SECRET_KEY"]})
    assert same_key.returncode != 0 and "not SECRET_KEY" in same_key.stderr
    local_cache = check(**{**GOOD, "CACHE_URL": "locmem://"})
    assert local_cache.returncode != 0 and "CACHE_URL" in local_cache.stderr
