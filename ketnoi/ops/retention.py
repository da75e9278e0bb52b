"""Records that carry personal data are kept only as long as their purpose needs (settings.RETENTION_DAYS, one
period per kind), then deleted by the scheduled job ops.prune_retained, which reports what it removed (a
RetentionRun row, an audit row and a log line).

Each kind is deleted in batches of RETENTION_BATCH_SIZE, walking the primary key upwards below the first row
that is young enough (rows are written in id order, so old rows are the low ids): every batch is a range scan on
the primary key and one DELETE over that id range, in one short transaction. Rows another record protects (a hand-off thread's
messages, an event not yet handled, a payload not yet forwarded) are stepped over and stay.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import models, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from ketnoi.api.dvcqg.models import DvcqgRequest, RelayItem, RelayStatus
from ketnoi.channels.models import ChannelEvent
from ketnoi.channels.types.webchat.models import WebChatMessage
from ketnoi.contacts.models import InboundMessage
from ketnoi.conversations.models import ConversationSession, ConversationStep, PhoneVerification
from ketnoi.core.audit import audit_record
from ketnoi.notify.models import Callback, CallbackStatus, Notification
from ketnoi.outbox.models import FINAL_STATUSES, OutboundMessage

from .models import RetentionRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    """One kind of record: which rows, dated by which field, may go once older than the kind's period."""

    name: str  # the key of settings.RETENTION_DAYS
    model: type[models.Model]
    date_field: str
    condition: Q = field(default_factory=Q)
    # The date is when the row was written, so ids grow with it and everything old lies below the first young
    # row's id; not so for a date that moves (a session's last use): then the walk goes over the whole table.
    dated_when_written: bool = True


KINDS: list[Kind] = [
    Kind("webhook_events", ChannelEvent, "received_at", ~Q(status=ChannelEvent.Status.PENDING)),
    Kind(
        "dvcqg_relay", RelayItem, "created_at", Q(status__in=(RelayStatus.SENT, RelayStatus.DEAD))
    ),  # before the requests: a request goes only once its relay item has
    Kind("dvcqg_requests", DvcqgRequest, "received_at", Q(relay__isnull=True)),
    Kind("sent_messages", OutboundMessage, "created_at", Q(status__in=FINAL_STATUSES, fallback_of__isnull=True)),
    Kind("inbound_messages", InboundMessage, "created_at"),
    Kind("inbound_messages", WebChatMessage, "created_at"),
    Kind("conversation_logs", ConversationStep, "created_at"),
    Kind("conversation_logs", ConversationSession, "updated_at", dated_when_written=False),
    Kind("phone_verifications", PhoneVerification, "created_at"),
    Kind("notifications", Notification, "created_at"),
    Kind("notify_callbacks", Callback, "created_at", Q(status__in=(CallbackStatus.SENT, CallbackStatus.DEAD))),
]


def _unprotected(model: type[models.Model]) -> Q:
    """Rows no other row points at through a PROTECT foreign key (deleting them would fail)."""
    condition = Q()
    for relation in model._meta.related_objects:
        if relation.on_delete is models.PROTECT:
            condition &= Q(**{f"{relation.name}__isnull": True})
    return condition


def prune_kind(kind: Kind, *, cutoff: datetime, batch_size: int) -> int:
    """Delete the kind's rows dated before `cutoff`; returns how many of the kind's own rows went."""
    model, date_field = kind.model, kind.date_field
    candidates = model._base_manager.filter(kind.condition, _unprotected(model), **{f"{date_field}__lt": cutoff})
    if kind.dated_when_written:
        # The first row young enough to stay: everything below its id is the old part of the table.
        young = model._base_manager.filter(**{f"{date_field}__gte": cutoff}).order_by("pk").values_list("pk", flat=True)
        if (boundary := young.first()) is not None:
            candidates = candidates.filter(pk__lt=boundary)
    removed, after = 0, 0
    while True:
        # The batch's last id: one index range scan that stops after batch_size matching rows.
        last = candidates.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[batch_size - 1 : batch_size]
        last = last[0] if last else None
        batch = candidates.filter(pk__gt=after, **({"pk__lte": last} if last is not None else {}))
        removed += _delete(model, batch)
        if last is None:
            return removed
        after = last


def _delete(model: type[models.Model], batch: models.QuerySet) -> int:
    """One batch in one transaction (a DELETE over an id range when nothing cascades); if a row deeper down is
    protected (a fallback step kept by a hand-off thread), the batch is retried row by row and those rows stay."""
    try:
        with transaction.atomic():
            return batch.delete()[1].get(model._meta.label, 0)
    except ProtectedError:
        removed = 0
        for pk in batch.values_list("pk", flat=True):
            try:
                with transaction.atomic():
                    removed += model._base_manager.filter(pk=pk).delete()[1].get(model._meta.label, 0)
            except ProtectedError:
                continue
        return removed


def prune_retained(*, now: datetime | None = None, batch_size: int | None = None) -> RetentionRun:
    """Remove every kind's rows past its period; a period of 0 keeps that kind for ever."""
    now = now or timezone.now()
    batch_size = batch_size or settings.RETENTION_BATCH_SIZE
    run = RetentionRun.objects.create(started_at=now)
    removed: dict[str, int] = {}
    cutoffs: dict[str, str] = {}
    for kind in KINDS:
        days = settings.RETENTION_DAYS.get(kind.name, 0)
        if days <= 0:
            continue
        cutoff = now - timedelta(days=days)
        cutoffs[kind.name] = cutoff.isoformat()
        removed[kind.name] = removed.get(kind.name, 0) + prune_kind(kind, cutoff=cutoff, batch_size=batch_size)
    run.cutoffs, run.removed, run.finished_at = cutoffs, removed, timezone.now()
    with transaction.atomic():
        run.save(update_fields=["cutoffs", "removed", "finished_at"])
        audit_record(actor=None, action="retention.pruned", target=run, unit_path="", after=_report(removed))
    log.info("Retention: removed %s.", ", ".join(f"{n} {k}" for k, n in removed.items()) or "nothing")
    return run


def _report(removed: dict[str, Any]) -> dict[str, Any]:
    return {kind: count for kind, count in removed.items() if count}


def prune_job() -> None:
    prune_retained()


def prune_task_results_job() -> None:
    """Finished background tasks (their arguments can name a citizen): django-tasks' own pruning, every queue."""
    days = settings.RETENTION_DAYS.get("task_results", 0)
    if days > 0:
        call_command("prune_db_task_results", queue_name="*", min_age_days=days, verbosity=0)
