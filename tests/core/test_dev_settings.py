"""`make run` (config.settings.dev) points the Zalo hosts at the built-in sandbox unless the environment names
other hosts: the environment wins, as the README's settings table says."""

import json
import os
import subprocess
import sys
from pathlib import Path

import ketnoi

ROOT = Path(ketnoi.__file__).parent.parent
NAMES = ("ZALO_OAUTH_BASE", "ZALO_OPENAPI_BASE", "ZALO_BUSINESS_BASE", "ZALO_FOLLOW_BASE")


def dev_settings(**environment) -> dict:
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {NAMES!r}}}))"
    )
    env = {k: v for k, v in os.environ.items() if k not in NAMES and k != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.dev", PUBLIC_BASE_URL="http://127.0.0.1:8135", **environment)
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(result.stdout)


def test_the_sandbox_is_the_default():
    assert dev_settings() == {
        "ZALO_OAUTH_BASE": "http://127.0.0.1:8135/sandbox/zalo/oauth",
        "ZALO_OPENAPI_BASE": "http://127.0.0.1:8135/sandbox/zalo/openapi",
        "ZALO_BUSINESS_BASE": "http://127.0.0.1:8135/sandbox/zalo/business",
        "ZALO_FOLLOW_BASE": "http://127.0.0.1:8135/sandbox/follow",
    }


def test_the_environment_wins_over_the_sandbox():
    other = {
        "ZALO_OAUTH_BASE": "http://127.0.0.1:9999/oauth",
        "ZALO_OPENAPI_BASE": "http://127.0.0.1:9999/openapi",
        "ZALO_BUSINESS_BASE": "http://127.0.0.1:9999/business",
        "ZALO_FOLLOW_BASE": "http://127.0.0.1:9999/follow",
    }
    assert dev_settings(**other) == other
    # One host named, the others still default to the sandbox.
    one = dev_settings(ZALO_OPENAPI_BASE="http://127.0.0.1:9999/openapi")
    assert one["ZALO_OPENAPI_BASE"] == "http://127.0.0.1:9999/openapi"
    assert one["ZALO_OAUTH_BASE"] == "http://127.0.0.1:8135/sandbox/zalo/oauth"
