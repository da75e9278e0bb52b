"""Secrets that travel in URLs never reach a log: gunicorn's access log (the real server, started as Procfile.dev
starts it, reading gunicorn.conf.py from the repository root) and the application's logs (core.logging)."""

import logging

import httpx
import pytest

from ketnoi.core.logging import RedactFilter
from tests.gunicorn import gunicorn_serving, logged_lines

API_KEY = "kn_Zk3c0Vb7secretsecretsecret"
LOOKUP_TOKEN = "eyJkIjoiMTIzIn0.Sig_nature-123"
PETITION_TOKEN = "cGV0aXRpb24.TrackSig_456"
DVCQG_KEY = "PathKey-7f3a9c1e2b"
REQUESTS = [
    f"/api/v1/open311/v2/requests.json?jurisdiction_id=H90&api_key={API_KEY}",
    f"/tra-cuu/{LOOKUP_TOKEN}/",
    f"/tra-cuu/{LOOKUP_TOKEN}/bo-sung/",
    f"/phan-anh/theo-doi/{PETITION_TOKEN}/danh-gia/",
    f"/api/dvcqg/rest/{DVCQG_KEY}/ThemMoi?isUpdating=True",
]
SECRETS = (API_KEY, LOOKUP_TOKEN, PETITION_TOKEN, DVCQG_KEY)


@pytest.fixture
def gunicorn_log(tmp_path):
    log = tmp_path / "access.log"
    with gunicorn_serving("tests.security.echo_wsgi:app", log) as base:
        yield base, log


def test_gunicorn_access_log_masks_keys_and_citizen_tokens(gunicorn_log):
    base, log = gunicorn_log
    for path in REQUESTS:
        referer = f"https://portal.example/tra-cuu/{LOOKUP_TOKEN}/"
        assert httpx.get(base + path, headers={"Referer": referer}).status_code == 200
    lines = logged_lines(log, until="/api/dvcqg/rest/")
    text = "\n".join(lines)
    assert len(lines) == len(REQUESTS), text
    for secret in SECRETS:
        assert secret not in text
    assert "/tra-cuu/[redacted]/bo-sung/" in text and "api_key=[redacted]" in text
    assert "/api/dvcqg/rest/[redacted]/ThemMoi?isUpdating=True" in text and "jurisdiction_id=H90" in text


def test_application_logs_mask_the_same_urls():
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", (REQUESTS[1],), None)
    RedactFilter().filter(record)
    assert LOOKUP_TOKEN not in record.getMessage() and "/tra-cuu/[redacted]/" in record.getMessage()
    for path in REQUESTS:
        record = logging.LogRecord("django.server", logging.INFO, __file__, 1, '"GET %s HTTP/1.1" 404', (path,), None)
        RedactFilter().filter(record)
        assert not any(secret in record.getMessage() for secret in SECRETS), record.getMessage()
    kept = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "GET /tra-cuu/xac-minh/ /phan-anh/PA-261124-0001/", (), None
    )
    RedactFilter().filter(kept)
    assert kept.getMessage() == "GET /tra-cuu/xac-minh/ /phan-anh/PA-261124-0001/"
