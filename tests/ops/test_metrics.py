"""/metrics in the Prometheus text format, scraped and parsed: every named series is there with the values the
tables and the shared counters hold (queue depths and ages, sends by result, quota, inbound lag, webhook answers,
task queue, DVCQG relay backlog, scheduler heartbeat)."""

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from django.utils import timezone

from ketnoi.channels.models import ChannelEvent
from ketnoi.core.tally import tally
from ketnoi.outbox.models import Lane, OutboundMessage
from tests.outbox.helpers import drain, enqueue

pytestmark = pytest.mark.django_db(transaction=True)

SERIES = {
    "ketnoi_outbox_depth",
    "ketnoi_outbox_oldest_age_seconds",
    "ketnoi_outbox_sends",
    "ketnoi_quota_per_minute",
    "ketnoi_quota_tokens",
    "ketnoi_inbound_pending",
    "ketnoi_inbound_lag_seconds",
    "ketnoi_webhook_acks",
    "ketnoi_task_queue_depth",
    "ketnoi_dvcqg_relay_backlog",
    "ketnoi_dvcqg_relay_oldest_age_seconds",
    "ketnoi_scheduler_heartbeat_age_seconds",
}


def scrape(client, **headers) -> dict[str, list]:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    families = text_string_to_metric_families(response.content.decode())
    return {family.name: family.samples for family in families}


def value(samples, name, **labels) -> float:
    found = [s.value for s in samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(found) == 1, (name, labels, samples)
    return found[0]


def test_metrics_carry_every_named_series(client, make_channel, sink):
    channel = make_channel(quota_per_minute=1200)
    for i in range(3):
        enqueue(channel, f"t-{i}")
    enqueue(channel, "bulk-0", lane=Lane.BULK)
    OutboundMessage.objects.filter(idempotency_key="t-0").update(created_at=timezone.now() - timedelta(seconds=90))
    ChannelEvent.objects.create(
        channel=channel, dedup_key="e1", raw_body="{}", received_at=timezone.now() - timedelta(seconds=40)
    )
    tally("webhook_acks", channel_type=channel.type_code, result="stored")
    tally("webhook_acks", channel_type=channel.type_code, result="stored")

    metrics = scrape(client)
    assert set(metrics) >= SERIES, SERIES - set(metrics)
    uuid = str(channel.uuid)
    depth = metrics["ketnoi_outbox_depth"]
    assert value(depth, "ketnoi_outbox_depth", lane="transactional", channel=uuid, status="queued") == 3
    assert value(depth, "ketnoi_outbox_depth", lane="bulk", channel=uuid, channel_type="testsink") == 1
    age = value(metrics["ketnoi_outbox_oldest_age_seconds"], "ketnoi_outbox_oldest_age_seconds", lane="transactional")
    assert 89 <= age < 300
    assert value(metrics["ketnoi_quota_per_minute"], "ketnoi_quota_per_minute", channel=uuid) == 1200
    assert value(metrics["ketnoi_inbound_pending"], "ketnoi_inbound_pending") == 1
    assert 39 <= value(metrics["ketnoi_inbound_lag_seconds"], "ketnoi_inbound_lag_seconds") < 300
    acks = metrics["ketnoi_webhook_acks"]
    assert value(acks, "ketnoi_webhook_acks_total", channel_type="testsink", result="stored") == 2
    assert not metrics["ketnoi_outbox_sends"]  # nothing sent yet
    assert value(metrics["ketnoi_dvcqg_relay_backlog"], "ketnoi_dvcqg_relay_backlog", status="pending") == 0
    assert value(metrics["ketnoi_scheduler_heartbeat_age_seconds"], "ketnoi_scheduler_heartbeat_age_seconds") == -1

    sink.fail_5xx = 1  # the provider fails once: one retry, then every message goes
    drain()
    metrics = scrape(client)
    assert not metrics["ketnoi_outbox_depth"]  # nothing queued or sending any more
    sends = metrics["ketnoi_outbox_sends"]  # counted by the dispatcher's threads, through the shared cache
    assert value(sends, "ketnoi_outbox_sends_total", channel=uuid, result="sent") == 4
    assert value(sends, "ketnoi_outbox_sends_total", channel=uuid, result="retry") == 1
    assert value(metrics["ketnoi_quota_tokens"], "ketnoi_quota_tokens", quota_key=channel.quota_key) >= 0


def test_metrics_ask_for_the_token_when_one_is_set(client, settings):
    settings.METRICS_TOKEN = "scrape-secret-1234"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert scrape(client, HTTP_AUTHORIZATION="Bearer scrape-secret-1234")


def test_the_grafana_dashboard_plots_only_series_we_expose():
    import json
    import re

    from django.conf import settings

    dashboard = json.loads((settings.BASE_DIR / "deploy" / "grafana" / "ketnoi.json").read_text())
    used = {
        name.removesuffix("_total")
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\bketnoi_[a-z_]+", target["expr"])
    }
    assert used and used <= SERIES, used - SERIES
