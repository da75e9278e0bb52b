"""An answer waiting for approval tells the nearest leaders who may approve it (never its drafter): in "My notices"
and on the internal OA; the leader's home counts it."""

from ketnoi.broadcasts.models import InternalNotice
from ketnoi.petitions.selectors import answers_awaiting_approval
from ketnoi.petitions.services import answer_submit, petition_accept


def test_the_ward_leader_is_asked_to_approve_the_answer_not_the_provincial_monitor(pw, make_petition):
    petition = petition_accept(actor=pw.processor_a, petition=make_petition(pw))
    answer_submit(actor=pw.processor_a, petition=petition, text="Đã thay bóng đèn.")
    notice = InternalNotice.objects.get()
    assert notice.user == pw.leader_a and notice.url == f"/console/petitions/{petition.uuid}/"
    assert petition.tracking_code in notice.text and "Đèn đường hỏng" in notice.text
    assert list(answers_awaiting_approval(official=pw.leader_a)) == [petition]
    assert list(answers_awaiting_approval(official=pw.monitor)) == [petition]  # may approve, not asked first
    assert list(answers_awaiting_approval(official=pw.processor_a)) == []


def test_a_leader_who_drafted_the_answer_is_not_asked_the_next_level_is(pw, make_petition):
    petition = petition_accept(actor=pw.leader_a, petition=make_petition(pw))
    answer_submit(actor=pw.leader_a, petition=petition, text="Đã thay bóng đèn.")
    assert [n.user for n in InternalNotice.objects.all()] == [pw.monitor]
    assert list(answers_awaiting_approval(official=pw.leader_a)) == []
