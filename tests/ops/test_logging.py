"""JSON log lines carry the request id the answer carries (also on Django's own 5xx line, written after the
middleware), and the masking filter still masks phone numbers in them."""

import io
import json
import logging

import pytest

from django.conf import settings
from django.utils.log import configure_logging

from ketnoi.core.requestid import current_request_id


@pytest.fixture
def json_log(settings):
    stream = io.StringIO()
    config = json.loads(json.dumps(settings.LOGGING))
    config["handlers"]["console"]["formatter"] = "json"
    config["handlers"]["console"]["stream"] = stream
    config["loggers"]["django.request"] = {"handlers": ["console"], "level": "WARNING", "propagate": False}
    configure_logging(settings.LOGGING_CONFIG, config)
    yield stream
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def test_a_5xx_line_carries_the_request_id(db, client, json_log):
    response = client.get("/readyz", HTTP_X_REQUEST_ID="abcdef0123456789")  # no scheduler heartbeat: 503
    assert response.status_code == 503 and response["X-Request-ID"] == "abcdef0123456789"
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    line = next(line for line in lines if line["logger"] == "django.request")
    assert line["request_id"] == "abcdef0123456789" and line["level"] == "ERROR"
    assert current_request_id() == ""  # forgotten once the response is finished


def test_json_lines_are_masked(json_log):
    logging.getLogger("ketnoi.test").warning("Citizen %s asked", "0912345678")
    line = json.loads(json_log.getvalue().splitlines()[-1])
    assert "0912345678" not in line["message"] and "091****678" in line["message"]
    assert line["request_id"] == "-"
    assert settings.LOG_FORMAT in {"plain", "json"}
