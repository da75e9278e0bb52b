"""Decisions of the owner agency: accept, forward (with reason) and refuse (with reason), each told to the
petitioner; duplicates suggested and merged; the transition table refuses anything else."""

import pytest

from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.orgs.models import Agency
from ketnoi.petitions.models import EventKind
from ketnoi.petitions.selectors import likely_duplicates, petition_list
from ketnoi.petitions.services import (
    Origin,
    petition_accept,
    petition_forward,
    petition_merge,
    petition_refuse,
)
from ketnoi.petitions.states import State

from .conftest import chat_person, messages_about


@pytest.fixture
def chat_petition(pw, make_petition):
    return make_petition(pw, origin=Origin(source="chat", channel_contact=chat_person(pw.commune_a)))


def test_forward_needs_a_reason_moves_ownership_and_tells_the_petitioner(pw, chat_petition):
    environment = Agency.objects.get(code="H90.23")
    with pytest.raises(ApplicationError) as no_reason:
        petition_forward(actor=pw.processor_a, petition=chat_petition, agency=environment, reason=" ")
    assert no_reason.value.code == "reason_required"
    reason = "Ô nhiễm do cơ sở sản xuất thuộc thẩm quyền của Sở Nông nghiệp và Môi trường."
    petition = petition_forward(actor=pw.processor_a, petition=chat_petition, agency=environment, reason=reason)
    assert petition.state == State.FORWARDED and petition.owner_agency == environment
    assert petition.unit == pw.province and petition.forward_count == 1 and petition.forwarded_at
    event = petition.events.get(kind=EventKind.FORWARDED)
    assert event.note == reason and event.data == {"from_agency": "H90.90001", "to_agency": "H90.23"}
    told = messages_about(petition)[-1]
    assert reason in told.payload["text"] and environment.name in told.payload["text"]
    # it left commune A's officer's queue
    assert not petition_list(official=pw.processor_a).filter(pk=petition.pk).exists()
    with pytest.raises(NotPermitted):
        petition_accept(actor=pw.processor_a, petition=petition)


def test_refuse_needs_a_reason_and_tells_the_petitioner(pw, chat_petition):
    with pytest.raises(ApplicationError):
        petition_refuse(actor=pw.processor_a, petition=chat_petition, reason="")
    reason = "Nội dung không thuộc phạm vi phản ánh, kiến nghị về quy định hành chính."
    petition = petition_refuse(actor=pw.processor_a, petition=chat_petition, reason=reason)
    assert petition.state == State.REFUSED and petition.refusal_reason == reason
    assert petition.acknowledged_at and petition.closed_at
    told = messages_about(petition)[-1]
    assert reason in told.payload["text"] and "từ chối" in told.payload["text"]
    with pytest.raises(ApplicationError) as closed:
        petition_accept(actor=pw.processor_a, petition=petition)
    assert closed.value.code == "illegal_transition"


def test_accept_acknowledges_assigns_and_tells_the_answer_date(pw, chat_petition):
    petition = petition_accept(actor=pw.processor_a, petition=chat_petition)
    assert petition.state == State.IN_PROGRESS and petition.assignee == pw.processor_a
    assert petition.acknowledged_at is not None
    told = messages_about(petition)[-1]
    assert petition.answer_due.strftime("%d/%m/%Y") in told.payload["text"]


def test_officials_outside_the_agency_cannot_decide(pw, chat_petition):
    with pytest.raises(NotPermitted):
        petition_accept(actor=pw.desk_b, petition=chat_petition)
    with pytest.raises(NotPermitted):
        petition_refuse(actor=pw.justice_officer, petition=chat_petition, reason="x")


def test_likely_duplicates_are_suggested_and_merged(pw, make_petition):
    first = make_petition(pw, text="Đèn đường trước nhà văn hóa tổ dân phố 2 bị hỏng, buổi tối rất tối.")
    same = make_petition(pw, text="Đèn đường trước nhà văn hóa tổ dân phố 2 hỏng mấy hôm nay, tối quá.")
    other_place = make_petition(
        pw, area=pw.commune_b, text="Đèn đường trước nhà văn hóa tổ dân phố 2 bị hỏng, buổi tối rất tối."
    )
    other_subject = make_petition(pw, text="Rác thải đổ trộm ở bãi đất trống cuối ngõ, bốc mùi khó chịu.")
    suggested = [p for p, _score in likely_duplicates(same)]
    assert suggested == [first]
    assert other_place not in suggested and other_subject not in suggested
    merged = petition_merge(actor=pw.processor_a, petition=same, into=first)
    assert merged.state == State.MERGED and merged.duplicate_of == first
    assert likely_duplicates(first) == []
