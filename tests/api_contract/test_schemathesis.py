"""The integration API keeps its OpenAPI contract: schemathesis (all checks, schemathesis.toml) fuzzes every
operation of /api/v1/openapi.json over real HTTP and finds nothing: no server error, no undocumented status or
body, no schema-valid request refused as invalid, no invalid one accepted. Bounded (examples per operation and a
fixed seed) so it stays within a few minutes; it runs on SQLite and on PostgreSQL like the rest of the suite."""

import re
import subprocess
import sys
from pathlib import Path

import httpx
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


def run_schemathesis(live_server, token: str, tmp_path, *filters: str):
    # The document is fetched here and given as a file: schemathesis waits only 10 s to load a schema, and the
    # first request builds it, which on a busy machine can take longer.
    document = tmp_path / "openapi.json"
    document.write_bytes(httpx.get(f"{live_server.url}/api/v1/openapi.json", timeout=120).content)
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(ROOT / "schemathesis.toml"),
        "run",
        str(document),
        "--url",
        live_server.url,
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
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
        *filters,
    ]
    result = subprocess.run(  # noqa: S603 - our own virtualenv's schemathesis against our own live server
        command,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,  # its cache goes there
    )
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    return result.stdout


# One run per tag, so the suite's workers share the fuzzing (one run of all 19 operations took 2-5 minutes alone).
CLIENT_TAGS = ["documents", "dossiers", "open311", "petitions", "procedures", "units"]


def operations_by_tag(live_server) -> dict[str, int]:
    document = httpx.get(f"{live_server.url}/api/v1/openapi.json", timeout=120).json()
    counts: dict[str, int] = {}
    for path in document["paths"].values():
        for operation in path.values():
            for tag in operation.get("tags") or ["(none)"]:
                counts[tag] = counts.get(tag, 0) + 1
    return counts


def test_every_operation_is_fuzzed_under_one_of_the_tags(live_server):
    assert set(operations_by_tag(live_server)) == {*CLIENT_TAGS, "notifications"}


@pytest.mark.parametrize("tag", CLIENT_TAGS)
def test_schemathesis_finds_nothing(live_server, api_token, tmp_path, tag):
    """Every operation an integration client's token opens (the notifications take a sending service's key)."""
    stdout = run_schemathesis(live_server, api_token, tmp_path, "--include-tag", tag)
    tested = re.search(r"Tested: (\d+)\b", stdout)
    assert tested and int(tested[1]) == operations_by_tag(live_server)[tag], stdout[-3000:]  # each of the tag


@pytest.fixture
def notify_key(transactional_world):
    from ketnoi.notify.services import api_key_create, service_save, template_save

    service = service_save(actor=None, agency=transactional_world.agency("H90.90001"), name="Hóa đơn", channels=[],
                           daily_limit=1000000)  # fmt: skip
    template_save(actor=None, service=service, name="Hóa đơn", text="Hóa đơn ((thang)): ((so_tien)) đồng.")
    return api_key_create(actor=None, service=service, name="schemathesis", kind="test")[1]


def test_schemathesis_finds_nothing_in_the_notifications_api(live_server, notify_key, tmp_path):
    stdout = run_schemathesis(live_server, notify_key, tmp_path, "--include-tag", "notifications")
    assert "Tested: 4" in stdout, stdout[-3000:]


def test_schema_names_are_unique_across_the_api():
    """OpenAPI names a component by its class name, and ninja keeps the last of two with one name: a second
    `DocumentIn` once replaced the procedures' documents in the document, so clients were told the wrong body."""
    import importlib
    import inspect
    import pkgutil

    from ninja import Schema

    import ketnoi.api.endpoints

    seen: dict[str, str] = {}
    for module_info in pkgutil.iter_modules(ketnoi.api.endpoints.__path__):
        module = importlib.import_module(f"ketnoi.api.endpoints.{module_info.name}")
        for name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Schema) and value.__module__ == module.__name__:
                assert name not in seen, f"{name} in {module.__name__} and {seen[name]}"
                seen[name] = module.__name__
    assert {"ProcedureDocumentIn", "DocumentIn", "Open311ErrorOut"} <= set(seen)
