"""Prometheus metrics (prometheus-client), computed when scraped: queue depths and ages straight from the tables
(right whatever process or machine claims the rows, and the same under any number of gunicorn workers), counters
from the shared cache (ketnoi.core.tally: sends by result, webhook acknowledgements). One scrape is a dozen small
grouped queries over partial or leading indexes.

Series (all prefixed ketnoi_):
  outbox_depth{lane,channel,channel_type,status}      queued and sending messages
  outbox_oldest_age_seconds{lane,channel,channel_type} age of the oldest queued message
  outbox_sends_total{channel,channel_type,result}     sends by result (sent, retry, rate_limited, failed, unreachable)
  quota_per_minute{channel,quota_key}                 each channel's provider quota
  quota_tokens{quota_key}                             tokens left in each database quota bucket
  inbound_pending / inbound_lag_seconds               webhook events waiting, age of the oldest
  webhook_acks_total{channel_type,result}             webhook answers (stored, duplicate, forbidden, too_large)
  task_queue_depth{queue,status}                      background tasks ready or running (django-tasks)
  dvcqg_relay_backlog{status} / dvcqg_relay_oldest_age_seconds   payloads still to forward to the national portal
  scheduler_heartbeat_age_seconds                     seconds since run_scheduler last beat
"""

from django_tasks_db.models import DBTaskResult
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from django.db.models import Count, Min, Q
from django.utils import timezone

from ketnoi.api.dvcqg.models import RelayItem, RelayStatus
from ketnoi.channels.models import Channel
from ketnoi.core.tally import tally_read
from ketnoi.outbox.models import OutboundMessage, QuotaBucket, Status

from .health import LANE_NAMES, inbound_lag, scheduler_heartbeat_age

SEND_RESULTS = ("sent", "retry", "rate_limited", "failed", "unreachable")
WEBHOOK_RESULTS = ("stored", "duplicate", "forbidden", "too_large")


def _age(moment) -> float:
    return max((timezone.now() - moment).total_seconds(), 0.0) if moment else 0.0


class KetnoiCollector(Collector):
    def collect(self):
        channels = {c.pk: c for c in Channel.objects.only("pk", "uuid", "type_code", "quota_per_minute", "quota_group")}
        yield from self._outbox(channels)
        yield from self._quotas(channels)
        yield from self._inbound(channels)
        yield from self._tasks()
        yield from self._relay()
        age = scheduler_heartbeat_age()
        beat = GaugeMetricFamily(
            "ketnoi_scheduler_heartbeat_age_seconds", "Seconds since the scheduler last beat (-1: never)."
        )
        beat.add_metric([], -1.0 if age is None else age)
        yield beat

    def _outbox(self, channels):
        depth = GaugeMetricFamily(
            "ketnoi_outbox_depth",
            "Outbox messages queued or sending.",
            labels=["lane", "channel", "channel_type", "status"],
        )
        oldest = GaugeMetricFamily(
            "ketnoi_outbox_oldest_age_seconds",
            "Age of the oldest queued outbox message.",
            labels=["lane", "channel", "channel_type"],
        )
        rows = (
            OutboundMessage.objects.filter(status__in=(Status.QUEUED, Status.SENDING))
            .values("lane", "channel_id", "status")
            .annotate(n=Count("pk"), first=Min("created_at", filter=Q(status=Status.QUEUED)))
            .order_by()
        )
        for row in rows:
            channel = channels.get(row["channel_id"])
            labels = [LANE_NAMES.get(row["lane"], str(row["lane"])), str(channel.uuid) if channel else "?"]
            channel_type = channel.type_code if channel else "?"
            depth.add_metric([*labels, channel_type, row["status"]], row["n"])
            if row["first"] is not None:
                oldest.add_metric([*labels, channel_type], _age(row["first"]))
        yield depth
        yield oldest
        sends = CounterMetricFamily(
            "ketnoi_outbox_sends", "Outbox sends by result.", labels=["channel", "channel_type", "result"]
        )
        label_sets = [
            {"channel": str(c.uuid), "channel_type": c.type_code, "result": result}
            for c in channels.values()
            for result in SEND_RESULTS
        ]
        for labels, value in tally_read("outbox_sends", label_sets):
            sends.add_metric([labels["channel"], labels["channel_type"], labels["result"]], value)
        yield sends

    def _quotas(self, channels):
        quota = GaugeMetricFamily(
            "ketnoi_quota_per_minute", "Each channel's provider quota per minute.", labels=["channel", "quota_key"]
        )
        for channel in channels.values():
            quota.add_metric([str(channel.uuid), channel.quota_key], channel.quota_per_minute)
        yield quota
        tokens = GaugeMetricFamily(
            "ketnoi_quota_tokens", "Tokens left in a quota bucket kept in the database.", labels=["quota_key"]
        )
        for key, left in QuotaBucket.objects.values_list("key", "tokens"):
            tokens.add_metric([key], left)
        yield tokens

    def _inbound(self, channels):
        lag, pending = inbound_lag()
        yield GaugeMetricFamily("ketnoi_inbound_pending", "Webhook events waiting to be handled.", value=pending)
        yield GaugeMetricFamily("ketnoi_inbound_lag_seconds", "Age of the oldest webhook event waiting.", value=lag)
        acks = CounterMetricFamily(
            "ketnoi_webhook_acks", "Webhook requests answered, by result.", labels=["channel_type", "result"]
        )
        types = sorted({c.type_code for c in channels.values()})
        label_sets = [{"channel_type": t, "result": r} for t in types for r in WEBHOOK_RESULTS]
        for labels, value in tally_read("webhook_acks", label_sets):
            acks.add_metric([labels["channel_type"], labels["result"]], value)
        yield acks

    def _tasks(self):
        depth = GaugeMetricFamily(
            "ketnoi_task_queue_depth", "Background tasks ready or running.", labels=["queue", "status"]
        )
        rows = (
            DBTaskResult.objects.filter(status__in=("READY", "RUNNING"))
            .values("queue_name", "status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            depth.add_metric([row["queue_name"], row["status"].lower()], row["n"])
        yield depth

    def _relay(self):
        backlog = GaugeMetricFamily(
            "ketnoi_dvcqg_relay_backlog", "DVCQG payloads still to forward, and those given up.", labels=["status"]
        )
        waiting = RelayItem.objects.filter(status__in=(RelayStatus.PENDING, RelayStatus.SENDING))
        counts = dict(waiting.values_list("status").annotate(n=Count("pk")).order_by())
        for status in (RelayStatus.PENDING, RelayStatus.SENDING):
            backlog.add_metric([status], counts.get(status, 0))
        yield backlog
        first = waiting.order_by("next_attempt_at").values_list("created_at", flat=True).first()
        yield GaugeMetricFamily(
            "ketnoi_dvcqg_relay_oldest_age_seconds",
            "Age of the oldest DVCQG payload still to forward.",
            value=_age(first),
        )
