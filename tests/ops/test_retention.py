"""The retention job removes each kind of record past its period, in batches, and nothing younger; rows another
record still needs (a hand-off thread's message, an unhandled webhook, a payload not yet forwarded) stay. It
reports what it removed (RetentionRun, audit row, the command's output); finished task results go too."""

import io
from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from django.core.management import call_command
from django.utils import timezone

from ketnoi.api.dvcqg.models import DvcqgRequest, RelayItem, RelayStatus
from ketnoi.api.dvcqg.services.accounts import dvcqg_client_create
from ketnoi.channels.models import Channel, ChannelEvent
from ketnoi.contacts.models import ChannelContact, Contact, InboundMessage
from ketnoi.conversations.models import ConversationSession, ConversationStep, PhoneVerification
from ketnoi.core.models import AuditEntry
from ketnoi.inbox.models import EntryKind, Handoff, HandoffEntry
from ketnoi.ops.models import RetentionRun
from ketnoi.ops.retention import prune_retained, prune_task_results_job
from ketnoi.orgs.models import Agency
from ketnoi.outbox.models import OutboundMessage, Status

OLD = timezone.now() - timedelta(days=400)
YOUNG = timezone.now() - timedelta(days=2)


@pytest.fixture
def records(world):
    channel = Channel.objects.create(unit=world.commune_a, type_code="zalo", name="OA", external_id="oa-r")
    contact = Contact.objects.create(name="Nguyễn Văn A", phone="+84912345678")
    person = ChannelContact.objects.create(channel=channel, contact=contact, user_id="u-r")
    made = {}

    def event(key, when, status=ChannelEvent.Status.HANDLED):
        return ChannelEvent.objects.create(
            channel=channel, dedup_key=key, raw_body="{}", status=status, received_at=when
        )

    def inbound(key, when):
        return InboundMessage.objects.create(
            channel=channel,
            channel_contact=person,
            provider_message_id=key,
            kind="text",
            text="0912345678",
            received_at=when,
            created_at=when,
        )

    def outbound(key, when, status=Status.SENT):
        return OutboundMessage.objects.create(
            channel=channel,
            channel_contact=person,
            recipient_user_id="u-r",
            kind="text",
            payload={"text": "hi"},
            idempotency_key=key,
            status=status,
            created_at=when,
        )

    made["events"] = [event(f"old-{i}", OLD) for i in range(5)] + [event("young", YOUNG)]
    made["pending_event"] = event("old-pending", OLD, ChannelEvent.Status.PENDING)
    made["inbound"] = [inbound(f"old-{i}", OLD) for i in range(3)] + [inbound("young", YOUNG)]
    made["outbound"] = [outbound(f"old-{i}", OLD) for i in range(4)] + [outbound("young", YOUNG)]
    made["queued_old"] = outbound("old-queued", OLD, Status.QUEUED)
    # a hand-off thread keeps the messages it shows
    handoff = Handoff.objects.create(channel=channel, channel_contact=person, unit=world.commune_a)
    kept_in = inbound("in-thread", OLD)
    kept_out = outbound("out-thread", OLD)
    HandoffEntry.objects.create(handoff=handoff, kind=EntryKind.CITIZEN_MESSAGE, inbound_message=kept_in)
    HandoffEntry.objects.create(handoff=handoff, kind=EntryKind.REPLY, outbound_message=kept_out)
    made["thread"] = (kept_in, kept_out)
    session = ConversationSession.objects.create(channel_contact=person, updated_at=YOUNG)
    # a session opened later (a higher id) but idle for long: its date moves, so it is found all the same
    idle = ChannelContact.objects.create(channel=channel, contact=contact, user_id="u-idle")
    ConversationSession.objects.create(channel_contact=idle, updated_at=OLD)
    for i in range(3):
        ConversationStep.objects.create(session=session, event_key=f"old-{i}", input_kind="text", created_at=OLD)
    ConversationStep.objects.create(session=session, event_key="young", input_kind="text", created_at=YOUNG)
    PhoneVerification.objects.create(
        channel_contact=person, phone="+84912345678", code_hash="x", expires_at=OLD, created_at=OLD
    )
    client, _key = dvcqg_client_create(
        actor=None, name="One-stop", receiving_agency=Agency.objects.first(), username="mc", password="pw-123456"
    )
    for status in [RelayStatus.SENT, RelayStatus.SENT, RelayStatus.PENDING]:
        request = DvcqgRequest.objects.create(client=client, style="adapter", received_at=OLD, body_sealed="x")
        RelayItem.objects.create(
            client=client, request=request, url="https://up.example/x", status=status, created_at=OLD
        )
    DvcqgRequest.objects.create(client=client, style="adapter", received_at=OLD)  # never relayed
    DvcqgRequest.objects.create(client=client, style="adapter", received_at=YOUNG)
    return made


def test_the_retention_job_removes_what_is_past_its_period_and_reports_it(records):
    out = io.StringIO()
    call_command("prune_retained", "--batch-size", "2", stdout=out)  # batches of 2: several per kind

    assert set(ChannelEvent.objects.values_list("dedup_key", flat=True)) == {"young", "old-pending"}
    assert set(InboundMessage.objects.values_list("provider_message_id", flat=True)) == {"young", "in-thread"}
    assert set(OutboundMessage.objects.values_list("idempotency_key", flat=True)) == {
        "young",
        "old-queued",
        "out-thread",
    }
    assert list(ConversationStep.objects.values_list("event_key", flat=True)) == ["young"]
    assert list(ConversationSession.objects.values_list("channel_contact__user_id", flat=True)) == ["u-r"]
    assert not PhoneVerification.objects.exists()
    assert list(RelayItem.objects.values_list("status", flat=True)) == [RelayStatus.PENDING]
    assert DvcqgRequest.objects.count() == 2  # the one still to forward, and the young one

    run = RetentionRun.objects.get()
    assert run.removed == {
        "webhook_events": 5,
        "dvcqg_relay": 2,
        "dvcqg_requests": 3,
        "sent_messages": 4,
        "inbound_messages": 3,
        "conversation_logs": 4,  # three steps and the idle session
        "phone_verifications": 1,
        "notifications": 0,  # tests/notify/test_retention.py
        "notify_callbacks": 0,
    }
    assert run.finished_at and set(run.cutoffs) == set(run.removed)
    audit = AuditEntry.objects.get(action="retention.pruned")
    assert audit.actor_label == "system" and audit.after["sent_messages"] == 4
    text = out.getvalue()
    assert "webhook_events: 5 removed (older than 30 days)" in text and "sent_messages: 4 removed" in text

    second = prune_retained()  # nothing left to remove, and the same answer
    assert sum(second.removed.values()) == 0


def test_a_period_of_zero_keeps_a_kind_for_ever(records, settings):
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "sent_messages": 0}
    run = prune_retained()
    assert "sent_messages" not in run.removed
    assert OutboundMessage.objects.filter(idempotency_key__startswith="old-").count() == 5


def test_finished_task_results_are_pruned_after_their_period(db, settings):

    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "task_results": 7}
    common = {
        "task_path": "ketnoi.ops.retention.prune_job",
        "args_kwargs": {"args": [], "kwargs": {}},
        "backend_name": "default",
    }
    old = DBTaskResult.objects.create(status="SUCCESSFUL", finished_at=timezone.now() - timedelta(days=8), **common)
    young = DBTaskResult.objects.create(status="SUCCESSFUL", finished_at=timezone.now() - timedelta(days=1), **common)
    ready = DBTaskResult.objects.create(status="READY", **common)
    prune_task_results_job()
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {young.pk, ready.pk}
    assert not DBTaskResult.objects.filter(pk=old.pk).exists()
