"""Answers: drafted by an officer, approved by a leader who did not draft it (four eyes), then sent to the
petitioner on the channel used; the petitioner rates it and may reopen it within the period."""

import datetime as dt

import pytest

from django.utils import timezone

from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.orgs import services as orgs
from ketnoi.orgs.roles import Role
from ketnoi.petitions.models import AnswerStatus
from ketnoi.petitions.services import (
    Origin,
    answer_approve,
    answer_return,
    answer_submit,
    petition_accept,
    petition_rate,
    petition_reopen,
)
from ketnoi.petitions.states import State

from .conftest import chat_person, messages_about

ANSWER = "Ủy ban đã thay bóng đèn đường trước nhà văn hóa Tổ dân phố 2 ngày 20/11. Cảm ơn ông/bà."


@pytest.fixture
def accepted(pw, make_petition):
    petition = make_petition(pw, origin=Origin(source="chat", channel_contact=chat_person(pw.commune_a)))
    return petition_accept(actor=pw.processor_a, petition=petition)


def test_four_eyes_the_drafter_never_approves(pw, accepted):
    second_leader = orgs.official_create(
        actor=None,
        username="lanhdao2.donghoa",
        full_name="Phó Chủ tịch",
        password="Leader-pass-123",
        unit=pw.commune_a,
        role=Role.LEADER,
    )
    answer = answer_submit(actor=pw.leader_a, petition=accepted, text=ANSWER)  # a leader drafts
    accepted.refresh_from_db()
    assert accepted.state == State.AWAITING_APPROVAL and answer.status == AnswerStatus.SUBMITTED
    before = len(messages_about(accepted))
    with pytest.raises(NotPermitted):
        answer_approve(actor=pw.leader_a, petition=accepted)
    with pytest.raises(NotPermitted):
        answer_approve(actor=pw.processor_a, petition=accepted)  # officers do not approve
    accepted.refresh_from_db()
    assert accepted.state == State.AWAITING_APPROVAL and len(messages_about(accepted)) == before
    answer_approve(actor=second_leader, petition=accepted)
    accepted.refresh_from_db()
    assert accepted.state == State.ANSWERED


def test_approval_sends_the_answer_on_the_chat_with_rating_buttons(pw, accepted):
    answer_submit(actor=pw.processor_a, petition=accepted, text=ANSWER, publish=True)
    assert len(messages_about(accepted)) == 2  # acknowledgement, acceptance: nothing before approval
    answer = answer_approve(actor=pw.leader_a, petition=accepted)
    accepted.refresh_from_db()
    assert answer.reviewed_by == pw.leader_a and answer.status == AnswerStatus.APPROVED
    assert accepted.answered_at and accepted.first_answered_at and accepted.publish_due and accepted.reopen_until
    sent = messages_about(accepted)[-1]
    assert ANSWER in sent.payload["text"] and sent.channel_contact == accepted.channel_contact
    assert sent.fallback["sms_text"]  # outside the window the dispatcher falls back


def test_leader_returns_the_answer_with_a_note(pw, accepted):
    answer_submit(actor=pw.processor_a, petition=accepted, text="Đã xử lý.")
    with pytest.raises(ApplicationError):
        answer_return(actor=pw.leader_a, petition=accepted, note="")
    answer = answer_return(actor=pw.leader_a, petition=accepted, note="Nói rõ ngày thay bóng đèn.")
    accepted.refresh_from_db()
    assert accepted.state == State.IN_PROGRESS and answer.status == AnswerStatus.RETURNED
    answer_submit(actor=pw.processor_a, petition=accepted, text=ANSWER)
    answer_approve(actor=pw.leader_a, petition=accepted)
    accepted.refresh_from_db()
    assert accepted.state == State.ANSWERED


def test_rating_and_reopening_within_the_period(pw, accepted):
    with pytest.raises(ApplicationError):
        petition_rate(petition=accepted, rating=5)  # not answered yet
    answer_submit(actor=pw.processor_a, petition=accepted, text=ANSWER)
    answer_approve(actor=pw.leader_a, petition=accepted)
    accepted.refresh_from_db()
    with pytest.raises(ApplicationError):
        petition_rate(petition=accepted, rating=6)
    rated = petition_rate(petition=accepted, rating=2, comment="Vẫn chưa sáng")
    assert rated.rating == 2 and rated.rated_at
    reopened = petition_reopen(petition=accepted, reason="Đèn lại hỏng sau hai ngày.")
    assert reopened.state == State.REOPENED and reopened.reopen_count == 1 and reopened.cycle == 1
    assert reopened.answer_due > timezone.localdate()
    assert "xem xét lại" in messages_about(reopened)[-1].payload["text"]
    answer_submit(actor=pw.processor_a, petition=reopened, text="Đã thay đèn LED mới.")
    answer_approve(actor=pw.leader_a, petition=reopened)
    reopened.refresh_from_db()
    late = timezone.now() + dt.timedelta(days=60)
    with pytest.raises(ApplicationError) as expired:
        petition_reopen(petition=reopened, reason="Lại hỏng", at=late)
    assert expired.value.code == "reopen_expired"
