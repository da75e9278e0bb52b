"""Meetings on the internal channel: reminders fire once at the right time; attendance by a button."""

import datetime as dt

import pytest

from django.db import transaction
from django.utils import timezone

from ketnoi.broadcasts.inbound import is_command as is_own_payload
from ketnoi.broadcasts.models import Attendance, InternalNotice, MeetingParticipant
from ketnoi.broadcasts.services import official_link_by_code, official_link_code
from ketnoi.broadcasts.services.meetings import meeting_schedule, send_meeting_reminders
from ketnoi.channels.types.base import EventKind, InboundEvent
from ketnoi.core.errors import NotPermitted
from ketnoi.outbox.models import OutboundMessage
from ketnoi.pipeline.inbound import handle as handle_event

from .conftest import new_follower


def reminders(meeting):
    return InternalNotice.objects.filter(key__startswith=f"meeting:{meeting.uuid}:remind:")


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = timezone.now()

        def set(self, value):
            self.now = value

    c = Clock()
    monkeypatch.setattr(timezone, "now", lambda: c.now)
    return c


def test_reminders_fire_once_at_the_right_time(world, clock):
    start = clock.now + dt.timedelta(hours=3)
    meeting = meeting_schedule(
        actor=world.leader_a,
        unit=world.commune_a,
        title="Giao ban tuần",
        starts_at=start,
        place="Phòng họp 2",
        participants=[world.processor_a, world.desk_a],
        remind_minutes_before=60,
    )
    assert InternalNotice.objects.filter(key__contains=":invite:").count() == 2
    clock.set(start - dt.timedelta(minutes=61))
    assert send_meeting_reminders() == 0 and not reminders(meeting).exists()  # too early
    clock.set(start - dt.timedelta(minutes=59))
    assert send_meeting_reminders() == 2
    assert set(reminders(meeting).values_list("user", flat=True)) == {world.processor_a.pk, world.desk_a.pk}
    clock.set(start - dt.timedelta(minutes=58))
    assert send_meeting_reminders() == 0  # once
    assert reminders(meeting).count() == 2


def test_a_missed_reminder_is_not_sent_late(world, clock):
    start = clock.now + dt.timedelta(hours=3)
    late = meeting_schedule(
        actor=world.leader_a, unit=world.commune_a, title="A", starts_at=start, place="P", participants=[world.desk_a]
    )
    clock.set(start - dt.timedelta(minutes=5))  # the scheduler was down when the reminder was due
    assert send_meeting_reminders() == 0
    assert not reminders(late).exists()


def test_only_meeting_managers_schedule(world):
    with pytest.raises(NotPermitted):
        meeting_schedule(
            actor=world.desk_a,
            unit=world.commune_a,
            title="A",
            starts_at=timezone.now() + dt.timedelta(days=1),
            place="P",
            participants=[world.processor_a],
        )


def _tap(channel, user_id, text):
    return InboundEvent(
        kind=EventKind.MESSAGE,
        provider_event="user_send_text",
        dedup_key=f"t-{text}",
        occurred_at=timezone.now(),
        user_id=user_id,
        text=text,
    )


def test_link_by_code_then_confirm_attendance_by_button(world, channel_a):
    official = new_follower(channel_a, "zalo-xuly")
    code = official_link_code(official=world.processor_a)
    assert is_own_payload(f"Liên kết {code.code}")
    with transaction.atomic():
        handle_event(channel_a, _tap(channel_a, "zalo-xuly", f"#lienket {code.code}"))
    assert official.official_link.user == world.processor_a
    meeting = meeting_schedule(
        actor=world.leader_a,
        unit=world.commune_a,
        title="Họp",
        starts_at=timezone.now() + dt.timedelta(days=1),
        place="P",
        participants=[world.processor_a],
    )
    invite = OutboundMessage.objects.get(
        idempotency_key=f"internal:meeting:{meeting.uuid}:invite:{world.processor_a.pk}"
    )
    yes = invite.payload["buttons"][0]["value"]
    assert is_own_payload(yes)
    with transaction.atomic():
        handle_event(channel_a, _tap(channel_a, "zalo-xuly", yes))
    assert MeetingParticipant.objects.get(meeting=meeting).attendance == Attendance.ATTENDING
    assert not official_link_by_code(channel_contact=official, code=code.code)
