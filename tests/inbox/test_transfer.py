"""Passing a conversation to another unit's officials (issue 15.13): ward → the province's service centre and back,
with its history, the citizen told who answers, the clocks on the answering team's targets, and the conversation
report counting each turn for the team that had it."""

import datetime as dt

import pytest
import time_machine

from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.core.models import AuditEntry
from ketnoi.inbox.models import EntryKind, ServicePolicy
from ketnoi.inbox.report import conversation_report
from ketnoi.inbox.selectors import handoff_get, handoff_list
from ketnoi.inbox.services import duty_set, handoff_open, handoff_reply, handoff_take, handoff_transfer
from ketnoi.inbox.teams import team_name, transfer_targets
from ketnoi.outbox.models import OutboundMessage

# Monday 7 December 2026, 09:00 in Vietnam: inside office hours, a working day
MONDAY_9AM = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def province_desk(world):
    return world.user("tiepnhan.tinh")


def test_a_ward_passes_a_question_to_the_province_centre_and_gets_it_back(world, citizen, province_desk):
    ServicePolicy.objects.create(
        unit=world.province, first_response_minutes=30, resolution_minutes=600,
        day_start=dt.time(7, 30), day_end=dt.time(17, 0), reopen_hours=24,
    )  # fmt: skip
    with time_machine.travel(MONDAY_9AM, tick=False):
        handoff = handoff_open(
            channel_contact=citizen, reason="Hỏi về cấp phiếu lý lịch tư pháp", requested_by_citizen=True
        )
        handoff_take(actor=world.processor_a, handoff=handoff)
        assert [u.code for u in transfer_targets(handoff)] == ["90"]  # the province; not commune B
        duty_set(actor=province_desk, user=province_desk, unit=world.province, on_duty=True)
        handoff = handoff_transfer(
            actor=world.processor_a, handoff=handoff, to_unit=world.province, note="Thuộc thẩm quyền Sở Tư pháp"
        )
    # the province's team has it, assigned in turn to its official on duty, its clock on the province's target
    assert handoff.unit == world.province and handoff.assigned_to == province_desk
    assert handoff.first_response_due_at == MONDAY_9AM + dt.timedelta(minutes=30)
    assert handoff.first_response_at is None
    # the citizen is told who answers now, on the same chat
    told = OutboundMessage.objects.get(idempotency_key__contains=":transferred:")
    assert "Trung tâm Phục vụ hành chính công tỉnh Bình Sơn" in told.payload["text"]
    assert told.channel_contact == citizen
    # the ward no longer sees it, the province does, with the whole history and the note
    with pytest.raises(Exception):  # noqa: B017 (a 404)
        handoff_get(official=world.processor_a, uuid=handoff.uuid)
    assert handoff in handoff_list(official=province_desk, folder="mine")
    transfer = handoff.entries.get(kind=EntryKind.TRANSFERRED)
    assert transfer.text == "Thuộc thẩm quyền Sở Tư pháp" and transfer.actor == world.processor_a
    assert transfer.data["from"] != transfer.data["to"] == team_name(world.province)
    assert AuditEntry.objects.filter(action="handoff.transfer").exists()
    # the ward cannot act on it any more
    with pytest.raises(NotPermitted):
        handoff_reply(actor=world.processor_a, handoff=handoff, text="Để phường trả lời", token="t0")

    with time_machine.travel(MONDAY_9AM + dt.timedelta(minutes=50), tick=False):  # 20 minutes late
        handoff_reply(actor=province_desk, handoff=handoff, text="Chị nộp tại Trung tâm tỉnh nhé.", token="t1")
        handoff = handoff_transfer(actor=province_desk, handoff=handoff, to_unit=world.commune_a)
    assert handoff.unit == world.commune_a and handoff.assigned_to is None
    assert handoff in handoff_list(official=world.processor_a, folder="unassigned")

    day = MONDAY_9AM.date()
    province = {t.unit.code: t for t in conversation_report(official=province_desk, start=day, end=day)}
    assert province["90"].handed == 1 and province["90"].passed_in == 1 and province["90"].passed_on == 1
    assert (province["90"].answered, province["90"].on_time, province["90"].late) == (1, 0, 1)
    ward = {t.unit.code: t for t in conversation_report(official=world.processor_a, start=day, end=day)}
    assert set(ward) == {"90001"}  # the ward's officials see their own team only
    assert ward["90001"].handed == 2 and ward["90001"].passed_on == 1 and ward["90001"].passed_in == 1
    assert ward["90001"].answered == 0 and len(ward["90001"].waiting) == 1


def test_only_units_above_or_below_the_channel_with_someone_to_answer(world, citizen, webchat_b):
    from tests.inbox.conftest import make_citizen

    handoff = handoff_open(channel_contact=citizen, reason="?", requested_by_citizen=True)
    with pytest.raises(ApplicationError) as refused:
        handoff_transfer(actor=world.processor_a, handoff=handoff, to_unit=world.commune_b)
    assert refused.value.code == "not_a_target"
    other = handoff_open(channel_contact=make_citizen(webchat_b), reason="?", requested_by_citizen=True)
    with pytest.raises(NotPermitted):  # not the ward's conversation to pass on
        handoff_transfer(actor=world.processor_a, handoff=other, to_unit=world.province)
