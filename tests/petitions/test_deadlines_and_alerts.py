"""Working-day deadlines from the calendar (holidays and official days off skipped, per-category lengths), and
reminders before / escalations after each deadline, each fired once to the right people."""

import datetime as dt

import pytest

from django.utils import timezone

from ketnoi.broadcasts.models import InternalNotice
from ketnoi.core.models import CalendarDay, CalendarDayKind
from ketnoi.core.workdays import invalidate_calendar_cache
from ketnoi.petitions.models import DeadlineAlert
from ketnoi.petitions.services import check_deadlines, petition_accept, petition_forward

TZ = timezone.get_fixed_timezone(7 * 60)
RECEIVED = dt.datetime(2026, 4, 29, 10, 0, tzinfo=TZ)  # a Wednesday, before 30/4 and 1/5


@pytest.fixture
def holidays(pw):
    for day, name in ((dt.date(2026, 4, 30), "Ngày Giải phóng miền Nam"), (dt.date(2026, 5, 1), "Quốc tế Lao động")):
        CalendarDay.objects.update_or_create(date=day, defaults={"kind": CalendarDayKind.PUBLIC_HOLIDAY, "name": name})
    invalidate_calendar_cache()
    yield
    invalidate_calendar_cache()


def test_deadlines_count_working_days_and_skip_holidays(pw, holidays, make_petition):
    petition = make_petition(pw, received_at=RECEIVED)
    # 30/4 and 1/5 are holidays, 2-3/5 a weekend: the five working days are 4-8 May
    assert petition.forward_due == dt.date(2026, 5, 8)
    assert petition.acknowledge_due == dt.date(2026, 5, 15)
    assert petition.answer_due == dt.date(2026, 5, 22)
    # a category with its own answer time (civil status: 10 working days)
    civil = make_petition(pw, category="ho-tich", received_at=RECEIVED)
    assert civil.answer_due == dt.date(2026, 5, 15)


def test_deadlines_without_the_holidays_would_be_two_days_earlier(pw, make_petition):
    CalendarDay.objects.filter(date__in=[dt.date(2026, 4, 30), dt.date(2026, 5, 1)]).delete()
    invalidate_calendar_cache()
    petition = make_petition(pw, received_at=RECEIVED)
    assert petition.forward_due == dt.date(2026, 5, 6)
    invalidate_calendar_cache()


def notices(user):
    return list(InternalNotice.objects.filter(user=user).values_list("text", flat=True))


def test_reminder_and_escalation_fire_once_each_at_the_right_time(pw, holidays, make_petition):
    petition = make_petition(pw, received_at=RECEIVED)
    officer, leader, monitor = pw.processor_a, pw.leader_a, pw.monitor

    assert check_deadlines(today=dt.date(2026, 5, 5)) == []  # 3 working days before the forward deadline
    fired = check_deadlines(today=dt.date(2026, 5, 7))  # the working day before it
    assert [(a.kind, a.due_date) for a in fired] == [("forward_reminder", dt.date(2026, 5, 8))]
    assert fired[0].recipients == [officer.username]
    assert len(notices(officer)) == 1 and petition.tracking_code in notices(officer)[0]
    assert check_deadlines(today=dt.date(2026, 5, 7)) == []
    assert check_deadlines(today=dt.date(2026, 5, 8)) == []  # the reminder does not fire again on the day

    fired = check_deadlines(today=dt.date(2026, 5, 11))  # the day after the deadline
    assert [a.kind for a in fired] == ["forward_escalation"]
    assert set(fired[0].recipients) == {leader.username, monitor.username}
    assert officer.username not in fired[0].recipients and pw.justice_leader.username not in fired[0].recipients
    assert len(notices(leader)) == 1 and len(notices(monitor)) == 1 and len(notices(officer)) == 1
    assert check_deadlines(today=dt.date(2026, 5, 12)) == []

    fired = check_deadlines(today=dt.date(2026, 5, 14))
    assert [a.kind for a in fired] == ["acknowledge_reminder"]
    petition_accept(actor=officer, petition=petition)  # decided: the forward and acknowledge clocks stop
    assert check_deadlines(today=dt.date(2026, 5, 18)) == []
    assert [a.kind for a in check_deadlines(today=dt.date(2026, 5, 21))] == ["answer_reminder"]
    assert [a.kind for a in check_deadlines(today=dt.date(2026, 5, 25))] == ["answer_escalation"]
    assert check_deadlines(today=dt.date(2026, 6, 30)) == []
    assert DeadlineAlert.objects.filter(petition=petition).count() == 5
    assert petition.events.filter(kind__in=["reminder", "escalation"]).count() == 5


def test_escalation_of_a_forwarded_petition_goes_to_the_new_agency_leaders(pw, holidays, make_petition):
    petition = make_petition(pw, category="ho-tich", received_at=RECEIVED)
    assert petition.owner_agency.code == "H90.12"
    petition_forward(actor=pw.justice_officer, petition=petition, agency=pw.centre_a, reason="Việc của phường.")
    petition.refresh_from_db()
    fired = check_deadlines(today=dt.date(2026, 5, 18))  # acknowledge (15/5) and answer (15/5) overdue
    kinds = sorted(a.kind for a in fired)
    assert kinds == ["acknowledge_escalation", "answer_escalation"]
    for alert in fired:
        assert set(alert.recipients) == {pw.leader_a.username, pw.monitor.username}


def test_publication_deadline_reminds_until_published_and_the_reopen_period_closes(pw, holidays, make_petition):
    from ketnoi.core.workdays import add_working_days
    from ketnoi.petitions.services import answer_approve, answer_submit, close_expired, petition_publish

    petition = make_petition(pw, received_at=RECEIVED)
    petition_accept(actor=pw.processor_a, petition=petition, at=RECEIVED)
    answer_submit(actor=pw.processor_a, petition=petition, text="Đã sửa.", publish=True)
    approved_at = dt.datetime(2026, 5, 6, 9, 0, tzinfo=TZ)
    answer_approve(actor=pw.leader_a, petition=petition, at=approved_at)
    petition.refresh_from_db()
    assert petition.publish_due == dt.date(2026, 5, 8)
    assert [a.kind for a in check_deadlines(today=dt.date(2026, 5, 7))] == ["publish_reminder"]
    petition_publish(actor=pw.processor_a, petition=petition)
    assert check_deadlines(today=dt.date(2026, 5, 12)) == []
    assert petition.reopen_until == add_working_days(approved_at, 10)
    assert close_expired(today=petition.reopen_until) == 0
    assert close_expired(today=petition.reopen_until + dt.timedelta(days=1)) == 1
    petition.refresh_from_db()
    assert petition.state == "closed" and petition.closed_at
