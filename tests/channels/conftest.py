"""Channel test helpers: a Zalo channel with known credentials, signed webhook posts, running the inbound queue."""

import hashlib

import pytest

from django.core.management import call_command
from django.urls import reverse

from ketnoi.channels.services import zalo_channel_create

from . import samples

OA_SECRET_KEY = "oa-secret-key-for-tests"
APP_SECRET = "app-secret-for-tests"


def sign(body: bytes, timestamp: str, *, app_id: str = samples.APP_ID, key: str = OA_SECRET_KEY) -> str:
    return hashlib.sha256(app_id.encode() + body + timestamp.encode() + key.encode()).hexdigest()


def receive_url(channel) -> str:
    return reverse("channels:receive", kwargs={"type_code": channel.type_code, "uuid": channel.uuid})


def post_signed(client, channel, event: dict | bytes, *, key: str = OA_SECRET_KEY, prefix: str = "mac=", headers=None):
    body = event if isinstance(event, bytes) else samples.compact(event)
    timestamp = event.get("timestamp", "") if isinstance(event, dict) else (headers or {}).get("X-ZEvent-Timestamp", "")
    all_headers = {"X-ZEvent-Signature": prefix + sign(body, str(timestamp), key=key), **(headers or {})}
    return client.post(receive_url(channel), data=body, content_type="application/json", headers=all_headers)


def run_inbound_queue() -> None:
    """Process every waiting inbound event, as `manage.py run_inbound` does, then the tasks they queued on the
    "inbound" queue (profile fetches, attachments), as `manage.py db_worker --queue-name inbound` does; again if
    those tasks stored new events."""
    from ketnoi.pipeline.claimer import has_pending

    for _round in range(5):
        call_command("run_inbound", batch=True, verbosity=0)
        call_command("db_worker", queue_name="inbound", batch=True, startup_delay=False, reload=False, verbosity=0)
        if not has_pending():
            break


def make_zalo_channel(unit, **overrides):
    values = {
        "actor": None,
        "unit": unit,
        "name": "Zalo Phường Đông Hòa",
        "oa_id": samples.OA_ID,
        "app_id": samples.APP_ID,
        "app_secret": APP_SECRET,
        "oa_secret_key": OA_SECRET_KEY,
        "access_token": "access-token-1",
        "refresh_token": "refresh-token-1",
    }
    values.update(overrides)
    return zalo_channel_create(**values)


@pytest.fixture
def zalo_channel(world):
    return make_zalo_channel(world.commune_a)
