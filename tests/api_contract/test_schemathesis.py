"""The integration API keeps its OpenAPI contract: schemathesis (all checks, schemathesis.toml) fuzzes every
operation of /api/v1/openapi.json over real HTTP and finds nothing: no server error, no undocumented status or
body, no schema-valid request refused as invalid, no invalid one accepted. Bounded (examples per operation and a
fixed seed) so it stays within a few minutes; it runs on SQLite and on PostgreSQL like the rest of the suite."""

import subprocess
import sys
from pathlib import Path

import pytest

import ketnoi
from ketnoi.api.services import api_client_create
from ketnoi.petitions.demo_config import seed_config
from tests.dossiers.conftest import make_procedures

ROOT = Path(ketnoi.__file__).parent.parent
MAX_EXAMPLES = 12


@pytest.fixture
def api_token(transactional_world):
    make_procedures()
    seed_config()
    _client, token = api_client_create(actor=None, name="Một cửa Đông Hòa", unit=transactional_world.commune_a)
    return token


def test_schemathesis_finds_nothing(live_server, api_token):
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{live_server.url}/api/v1/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {api_token}",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        "20261206",
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--no-color",
        "--request-timeout",
        "60",
    ]
    result = subprocess.run(  # noqa: S603 - our own virtualenv's schemathesis against our own live server
        command, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False
    )
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    assert "Tested: 17" in result.stdout, result.stdout[-3000:]
