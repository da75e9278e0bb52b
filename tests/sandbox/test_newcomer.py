"""A newcomer's first `make run`: it says what to do with the demo citizen, and its log is not buried under the
phone's polling and favicon requests (the real gunicorn, started from the repository root as Procfile.dev does)."""

import io

import httpx
import pytest

from django.core.management import call_command

from ketnoi.conversations.demo import seed as seed_chat_demo
from ketnoi.dossiers.models import DossierAlias
from ketnoi.procedures.demo import seed as seed_procedures
from tests.gunicorn import gunicorn_serving, logged_lines


def test_make_run_says_what_to_do_with_the_demo_citizen(world, settings):
    settings.DEBUG, settings.PUBLIC_BASE_URL = True, "http://127.0.0.1:8160"
    seed_procedures()
    seed_chat_demo()
    out = io.StringIO()
    call_command("sandbox_setup_demo", stdout=out)
    guide = out.getvalue()
    codes = dict(DossierAlias.objects.values_list("code", "dossier__receipt_code"))
    assert "create a sandbox user with the phone 0912 000 111" in guide
    assert "http://127.0.0.1:8160/sandbox/" in guide and 'Follow "Phường Đông Hòa"' in guide
    assert "Hồ sơ của tôi" in guide and codes["CHAT-DEMO-2"] in guide and "0111" in guide
    assert "http://127.0.0.1:8160/console/" in guide and "xuly.donghoa" in guide and codes["CHAT-DEMO-4"] in guide


def test_the_favicon_is_served(db, client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


@pytest.fixture
def gunicorn(tmp_path):
    log = tmp_path / "access.log"
    with gunicorn_serving("tests.core.quiet_wsgi:app", log) as base:
        yield base, log


def test_polls_that_went_well_and_the_favicon_stay_out_of_the_access_log(gunicorn):
    base, log = gunicorn
    poll = {"X-Poll": "1", "HX-Request": "true"}
    for _ in range(20):
        httpx.get(f"{base}/sandbox/oa/123/messages?v=abc", headers=poll)
        httpx.get(f"{base}/favicon.ico")
    httpx.get(f"{base}/sandbox/oa/123/messages?v=first", headers={"HX-Request": "true"})  # a click, not a poll
    httpx.get(f"{base}/boom", headers=poll)  # a poll that failed
    httpx.post(f"{base}/sandbox/oa/123/act", headers=poll)
    httpx.get(f"{base}/last")
    lines = logged_lines(log, until="/last")
    assert len(lines) == 4, lines
    assert "v=first" in lines[0] and '"GET /boom' in lines[1] and " 500 " in lines[1] and '"POST ' in lines[2]
    assert not any("favicon" in line or "v=abc" in line for line in lines)
