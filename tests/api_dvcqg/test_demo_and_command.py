"""The demo client (seeded through the real endpoint code, idempotent) and the configuration command."""

from django.core.management import call_command

from ketnoi.api import demo
from ketnoi.api.dvcqg.models import DvcqgClient, DvcqgRequest
from ketnoi.dossiers.models import Dossier
from ketnoi.outbox.models import OutboundMessage
from tests.dossiers.conftest import make_procedures


def test_the_demo_client_is_seeded_once_and_answers_its_login(world, client):
    make_procedures()
    demo.seed()
    demo.seed()
    demo_client = DvcqgClient.objects.get(username=demo.USERNAME)
    assert DvcqgRequest.objects.filter(client=demo_client).count() == 3
    states = dict(
        Dossier.objects.filter(external_system=str(demo_client.api_client.uuid)).values_list("receipt_code", "state")
    )
    assert sorted(states.values()) == ["processing", "received", "supplement_requested"]
    assert OutboundMessage.objects.count() == 0  # the past messages nobody
    login = client.post(
        "/api/dvcqg/adapter/auth",
        {"username": demo.USERNAME, "password": world.password},
        content_type="application/json",
    )
    assert login.json()["error_code"] == 0
    lookup = client.post(f"/api/dvcqg/rest/{demo.PATH_KEY}/ThemMoi", [], content_type="application/json")
    assert lookup.json()["error_code"] == "0"


def test_the_command_prints_the_credentials_once_and_stores_them_hashed(world, capsys):
    call_command(
        "create_dvcqg_client",
        "Một cửa (OpenCPS)",
        "H90.90001",
        "opencps.donghoa",
        "--relay",
        "--upstream-url",
        "https://lgsp.example.invalid/dvc",
        "--base-url",
        "https://ketnoi.example.invalid",
    )
    out = capsys.readouterr().out
    created = DvcqgClient.objects.get(username="opencps.donghoa")
    assert created.relay_enabled and created.upstream_url == "https://lgsp.example.invalid/dvc"
    password = out.split("opencps.donghoa / ")[1].split()[0]
    assert password not in created.password_hash and created.password_hash.startswith(("pbkdf2", "argon2", "md5"))
    assert "https://ketnoi.example.invalid/api/dvcqg/rest/" in out
