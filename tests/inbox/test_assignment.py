"""Assignment: routed to the team of the channel's unit; round-robin among on-duty officials of that unit; take,
reassign, give back; the transition table refuses illegal moves; history is append-only."""

import pytest

from django.utils import translation

from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.inbox.models import EntryKind, HandoffEntry
from ketnoi.inbox.services import (
    duty_set,
    handoff_add_note,
    handoff_assign,
    handoff_citizen_wrote,
    handoff_close,
    handoff_open,
    handoff_reply,
    handoff_take,
    handoff_unassign,
)
from ketnoi.inbox.states import TRANSITIONS, HandoffState, Party, check_transition
from ketnoi.outbox.models import OutboundMessage

from .conftest import citizen_message, make_citizen


@pytest.fixture(autouse=True)
def english_messages():
    """Service errors are translated when raised; these tests read them in English."""
    with translation.override("en"):
        yield


def test_round_robin_goes_in_turn_among_officials_on_duty(world, webchat_a):
    for official in (world.desk_a, world.processor_a, world.leader_a):
        duty_set(actor=official, user=official, unit=world.commune_a, on_duty=True)
    duty_set(actor=world.leader_a, user=world.leader_a, unit=world.commune_a, on_duty=False)
    assignees = [
        handoff_open(channel_contact=make_citizen(webchat_a), reason="", requested_by_citizen=True).assigned_to
        for _ in range(4)
    ]
    assert assignees[0] != assignees[1] and {assignees[0], assignees[1]} == {world.desk_a, world.processor_a}
    assert assignees[2:] == assignees[:2]  # in turn
    assert all(h.state == "assigned" for h in world.commune_a.handoffs.all())
    entry = HandoffEntry.objects.filter(kind=EntryKind.ASSIGNED).first()
    assert entry.data["how"] == "round_robin"


def test_nobody_on_duty_leaves_it_to_the_team(world, webchat_a, webchat_b):
    duty_set(actor=world.desk_b, user=world.desk_b, unit=world.commune_b, on_duty=True)  # another unit's official
    handoff = handoff_open(channel_contact=make_citizen(webchat_a), reason="", requested_by_citizen=True)
    assert handoff.state == "open" and handoff.assigned_to is None
    other = handoff_open(channel_contact=make_citizen(webchat_b), reason="", requested_by_citizen=True)
    assert other.unit == world.commune_b and other.assigned_to == world.desk_b


def test_only_officials_of_the_unit_join_its_duty(world):
    with pytest.raises(ApplicationError, match="does not answer"):
        duty_set(actor=world.desk_b, user=world.desk_b, unit=world.commune_a, on_duty=True)
    with pytest.raises(NotPermitted):  # a desk officer cannot put a colleague on duty
        duty_set(actor=world.desk_a, user=world.processor_a, unit=world.commune_a, on_duty=True)
    duty_set(actor=world.leader_a, user=world.processor_a, unit=world.commune_a, on_duty=True)


def test_take_reassign_and_give_back(world, citizen):
    handoff = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)
    with pytest.raises(NotPermitted):
        handoff_take(actor=world.desk_b, handoff=handoff)  # another commune
    handoff_take(actor=world.desk_a, handoff=handoff)
    with pytest.raises(ApplicationError, match="a leader can reassign"):
        handoff_take(actor=world.processor_a, handoff=handoff)
    with pytest.raises(ApplicationError, match="does not answer"):
        handoff_assign(actor=world.leader_a, handoff=handoff, to=world.desk_b)
    handoff_assign(actor=world.leader_a, handoff=handoff, to=world.processor_a)
    handoff.refresh_from_db()
    assert handoff.assigned_to == world.processor_a and handoff.state == "assigned"
    with pytest.raises(ApplicationError, match="has this conversation"):
        handoff_reply(actor=world.desk_a, handoff=handoff, text="Chào", token="a")
    handoff_unassign(actor=world.processor_a, handoff=handoff)
    handoff.refresh_from_db()
    assert handoff.state == "open" and handoff.assigned_to is None
    # replying to an unassigned conversation takes it
    handoff_reply(actor=world.desk_a, handoff=handoff, text="Chào anh", token="b")
    handoff.refresh_from_db()
    assert handoff.assigned_to == world.desk_a and handoff.state == "waiting_citizen"
    handoff_citizen_wrote(message=citizen_message(citizen, "Dạ"))
    handoff.refresh_from_db()
    assert handoff.state == "assigned"


def test_notes_stay_inside_and_need_the_unit(world, citizen):
    handoff = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)
    handoff_add_note(actor=world.processor_a, handoff=handoff, text="Đã gọi điện cho công dân")
    with pytest.raises(NotPermitted):
        handoff_add_note(actor=world.desk_b, handoff=handoff, text="x")
    with pytest.raises(NotPermitted):  # communications editors do not answer conversations
        handoff_add_note(actor=world.editor, handoff=handoff, text="x")
    assert not OutboundMessage.objects.filter(channel_contact=citizen).exists()
    assert handoff.entries.filter(kind=EntryKind.NOTE).count() == 1


def test_the_transition_table_refuses_what_it_does_not_list(world, citizen):
    assert (HandoffState.CLOSED, HandoffState.WAITING_CITIZEN) not in TRANSITIONS
    with pytest.raises(ApplicationError):
        check_transition(HandoffState.CLOSED, HandoffState.WAITING_CITIZEN, Party.OFFICIAL)
    with pytest.raises(ApplicationError):
        check_transition(HandoffState.WAITING_CITIZEN, HandoffState.ASSIGNED, Party.OFFICIAL)
    handoff = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)
    handoff_close(actor=world.processor_a, handoff=handoff, return_to_bot=False)
    with pytest.raises(ApplicationError, match="closed"):
        handoff_reply(actor=world.processor_a, handoff=handoff, text="x", token="c")
    moves = [(e.from_state, e.to_state) for e in handoff.entries.filter(kind=EntryKind.TRANSITION)]
    assert moves == [("open", "closed")]


def test_reopening_goes_back_to_the_official_on_duty(world, citizen):
    duty_set(actor=world.processor_a, user=world.processor_a, unit=world.commune_a, on_duty=True)
    handoff = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)
    assert handoff.assigned_to == world.processor_a
    handoff_close(actor=world.processor_a, handoff=handoff, return_to_bot=False)
    handoff_citizen_wrote(message=citizen_message(citizen, "Cho hỏi thêm"))
    handoff.refresh_from_db()
    assert handoff.state == "assigned" and handoff.assigned_to == world.processor_a and handoff.reopened_count == 1
    handoff_close(actor=world.processor_a, handoff=handoff, return_to_bot=False)
    duty_set(actor=world.processor_a, user=world.processor_a, unit=world.commune_a, on_duty=False)
    handoff_citizen_wrote(message=citizen_message(citizen, "Thêm câu nữa"))
    handoff.refresh_from_db()
    assert handoff.state == "open" and handoff.assigned_to is None


def test_conversations_left_by_the_citizen_go_back_to_the_assistant(world, citizen, settings):
    import datetime as dt

    from django.utils import timezone

    from ketnoi.inbox.jobs import close_idle_job

    settings.INBOX_AUTO_CLOSE_DAYS = 3
    waiting = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)
    handoff_reply(actor=world.processor_a, handoff=waiting, text="Anh cần gì thêm không?", token="idle")
    assert close_idle_job() == 0
    waiting.refresh_from_db()
    waiting.last_reply_at = timezone.now() - dt.timedelta(days=4)
    waiting.save(update_fields=["last_reply_at"])
    assert close_idle_job() == 1
    waiting.refresh_from_db()
    assert waiting.state == "closed" and waiting.returned_to_bot
    assert waiting.entries.filter(kind=EntryKind.REPLY, actor=None).count() == 1  # the citizen is told


def test_an_official_given_a_conversation_is_told(world, citizen):
    from ketnoi.broadcasts.models import InternalNotice

    duty_set(actor=world.desk_a, user=world.desk_a, unit=world.commune_a, on_duty=True)
    handoff = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)  # round-robin
    notice = InternalNotice.objects.get(user=world.desk_a)
    assert "Trần Văn Bình" in notice.text and str(handoff.uuid) in notice.url
    handoff_assign(actor=world.leader_a, handoff=handoff, to=world.processor_a)  # by a leader
    assert InternalNotice.objects.filter(user=world.processor_a).count() == 1
    handoff_unassign(actor=world.processor_a, handoff=handoff)
    handoff_take(actor=world.processor_a, handoff=handoff)  # taking it yourself tells nobody
    assert InternalNotice.objects.filter(user=world.processor_a).count() == 1
