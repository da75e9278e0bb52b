"""The working-day calculator on the official 2026 calendar, administrators' changes, and the Civil Code rules."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from ketnoi.core.errors import NotPermitted
from ketnoi.core.models import CalendarDay, CalendarDayKind
from ketnoi.core.workdays import (
    add_working_days,
    invalidate_calendar_cache,
    is_working_day,
    next_working_day,
    working_days_between,
)
from ketnoi.orgs.services import calendar_day_remove, calendar_day_set, seed_calendar_year

D = dt.date
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=HANOI)


@pytest.fixture
def year2026(world):
    seed_calendar_year(year=2026)
    return world


def test_official_2026_calendar(year2026):
    days_off = [D(2026, 1, 1), *[D(2026, 2, d) for d in range(16, 21)], D(2026, 4, 27), D(2026, 4, 30)]
    days_off += [D(2026, 5, 1), D(2026, 8, 31), D(2026, 9, 1), D(2026, 9, 2), D(2026, 11, 24)]
    for day in days_off:
        assert not is_working_day(day), day
    assert is_working_day(D(2026, 2, 13)) and is_working_day(D(2026, 2, 23))
    assert is_working_day(D(2026, 8, 22)), "Saturday 22/8/2026 is worked in exchange for Monday 31/8"
    assert not is_working_day(D(2026, 8, 29))  # an ordinary Saturday
    tet = CalendarDay.objects.get(date=D(2026, 2, 17))
    assert tet.kind == CalendarDayKind.PUBLIC_HOLIDAY and "16/02-20/02/2026" in tet.source_document
    assert "28/2026/QH16" in CalendarDay.objects.get(date=D(2026, 11, 24)).source_document
    # 261 weekdays, 13 of them off, one Saturday worked.
    assert working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 249


def test_without_the_calendar_only_weekends_are_skipped(db):
    assert is_working_day(D(2026, 2, 17))
    assert add_working_days(D(2026, 2, 12), 5) == D(2026, 2, 19)


def test_deadline_crossing_tet(year2026):
    # Received Thursday 12/2: Friday 13/2 is day 1, Tết 16-20/2 and the weekends are skipped.
    assert add_working_days(at(D(2026, 2, 12), 9), 5) == D(2026, 2, 26)
    assert working_days_between(D(2026, 2, 12), D(2026, 2, 26)) == 5


def test_deadline_falling_on_days_off_moves_to_the_next_working_day(year2026):
    # Received Tuesday 28/4, two working days: 29/4, then 30/4 and 1/5 are holidays and 2-3/5 the weekend.
    assert add_working_days(at(D(2026, 4, 28), 10), 2) == D(2026, 5, 4)
    # Received Friday 24/4, one day: the weekend and Giỗ Tổ's observed Monday 27/4 are skipped.
    assert add_working_days(at(D(2026, 4, 24), 10), 1) == D(2026, 4, 28)
    # National Day: 31/8 (swapped), 1/9 and 2/9 are off.
    assert add_working_days(at(D(2026, 8, 28), 10), 3) == D(2026, 9, 7)
    assert next_working_day(D(2026, 8, 28)) == D(2026, 9, 3)


def test_swapped_saturday_counts_as_a_working_day(year2026):
    assert add_working_days(at(D(2026, 8, 21), 10), 1) == D(2026, 8, 22)


def test_administrator_swapped_saturday(year2026):
    friday, saturday, monday = D(2026, 10, 9), D(2026, 10, 10), D(2026, 10, 12)
    assert add_working_days(at(friday, 10), 1) == monday
    calendar_day_set(
        actor=year2026.admin,
        date=saturday,
        kind=CalendarDayKind.WORKING_DAY,
        name="Làm bù",
        source_document="Công văn số 01/UBND-VP (demo)",
    )
    assert add_working_days(at(friday, 10), 1) == saturday
    assert working_days_between(friday, monday) == 2
    calendar_day_remove(actor=year2026.admin, date=saturday)
    assert add_working_days(at(friday, 10), 1) == monday


def test_first_day_is_not_counted_and_the_hour_only_matters_for_same_day_procedures(year2026):
    monday = D(2026, 3, 2)
    assert add_working_days(at(monday, 8), 1) == D(2026, 3, 3)
    assert add_working_days(at(monday, 16, 30), 1) == D(2026, 3, 3)
    assert add_working_days(at(monday, 14, 59), 0) == monday
    assert add_working_days(at(monday, 15, 0), 0) == D(2026, 3, 3)
    # 08:30 UTC is 15:30 in Vietnam: after the cut-off.
    assert add_working_days(dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC), 0) == D(2026, 3, 3)
    # Received on a Saturday morning (centres that open on Saturdays): counting starts on Monday.
    assert add_working_days(at(D(2026, 3, 7), 9), 0) == D(2026, 3, 9)
    assert add_working_days(at(D(2026, 3, 7), 9), 1) == D(2026, 3, 9)
    with pytest.raises(ValueError):
        add_working_days(monday, -1)


def test_working_days_between(year2026):
    assert working_days_between(D(2026, 3, 2), D(2026, 3, 2)) == 0
    assert working_days_between(D(2026, 3, 2), D(2026, 3, 9)) == 5
    assert working_days_between(D(2026, 3, 9), D(2026, 3, 2)) == -5
    assert working_days_between(D(2026, 3, 6), D(2026, 3, 8)) == 0  # Friday to Sunday
    # Agrees with counting day by day, across Tết and a year boundary.
    start, end = D(2025, 12, 20), D(2026, 3, 15)
    day, expected = start, 0
    while day < end:
        day += dt.timedelta(days=1)
        expected += is_working_day(day)
    assert working_days_between(start, end) == expected
    for n in (1, 7, 20, 45):
        assert working_days_between(start, add_working_days(start, n)) == n


def test_seeding_is_idempotent_and_keeps_administrators_rows(world):
    calendar_day_set(
        actor=world.admin, date=D(2026, 9, 1), kind="public_holiday", name="Quốc khánh", source_document="QĐ (demo)"
    )
    calendar_day_set(actor=world.admin, date=D(2026, 11, 24), kind="working_day", name="Không nghỉ (demo)")
    created = seed_calendar_year(year=2026)
    assert D(2026, 9, 1) not in {c.date for c in created}
    assert CalendarDay.objects.get(date=D(2026, 9, 1)).source_document == "QĐ (demo)"
    assert is_working_day(D(2026, 11, 24)), "an administrator's working day cancels a seeded holiday"
    count = CalendarDay.objects.count()
    assert seed_calendar_year(year=2026) == []
    assert CalendarDay.objects.count() == count


def test_only_system_administrators_change_the_calendar(world):
    for official in (world.unit_admin_a, world.desk_a):
        with pytest.raises(NotPermitted):
            calendar_day_set(actor=official, date=D(2026, 10, 10), kind="working_day", name="x")
        with pytest.raises(NotPermitted):
            seed_calendar_year(year=2026, actor=official)
    assert not CalendarDay.objects.exists()


def test_cache_is_cleared_by_the_services(world, settings):
    settings.WORKDAY_CACHE_SECONDS = 60
    invalidate_calendar_cache()
    try:
        saturday = D(2026, 10, 10)
        assert not is_working_day(saturday)
        CalendarDay.objects.create(date=saturday, kind="working_day", name="written behind the cache's back")
        assert not is_working_day(saturday), "the cached year is used"
        calendar_day_set(actor=world.admin, date=saturday, kind="working_day", name="Làm bù")
        assert is_working_day(saturday)
    finally:
        invalidate_calendar_cache()
