"""Working days for legal deadlines: Monday-Friday, minus holidays and official days off, plus swapped working days.

The calendar is the CalendarDay table (seeded yearly from the `holidays` package, corrected by administrators).

Counting follows the Civil Code 2015 Arts. 147-148: the day of the event (receipt) is not counted, counting
starts on the next day, and a period whose last day is a day off ends on the next working day. Counting only
working days gives both at once: the due date of an N-working-day procedure is the N-th working day after the
day of receipt, whatever the hour of receipt (a dossier received at 16:30 or on a Saturday morning starts
counting on the next working day either way).

The hour matters only for same-day procedures (0 days, "trong ngày"): paper dossiers received after 15:00 are
handed on at the start of the next working day (Decree 61/2018 Art. 18), so they, and anything received on a day
off, are due the next working day. The cut-off is settings.WORKDAY_AFTERNOON_CUTOFF ("15:00").

Rows are cached per process per year for settings.WORKDAY_CACHE_SECONDS (default 60; 0 disables the cache).
Services that change the calendar clear this process's cache at once and again on commit; other processes see
the change within the TTL.
"""

import datetime as dt
import time
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import CalendarDay, CalendarDayKind

_cache: dict[int, tuple[float, dict[dt.date, str]]] = {}
WEEKEND = (5, 6)  # Saturday, Sunday


def invalidate_calendar_cache() -> None:
    _cache.clear()


def invalidate_calendar_cache_on_commit() -> None:
    """Call inside the transaction that changed CalendarDay rows."""
    invalidate_calendar_cache()
    transaction.on_commit(invalidate_calendar_cache)


def _ttl() -> float:
    return float(getattr(settings, "WORKDAY_CACHE_SECONDS", 60))


def _load(years: Iterable[int]) -> dict[dt.date, str]:
    """The exceptions (date -> kind) for the given years, reading every stale year in one query."""
    years = sorted(set(years))
    now, ttl = time.monotonic(), _ttl()
    stale = [y for y in years if ttl <= 0 or y not in _cache or now - _cache[y][0] >= ttl]
    fresh: dict[int, dict[dt.date, str]] = {y: {} for y in stale}
    if stale:
        rows = CalendarDay.objects.filter(date__year__gte=stale[0], date__year__lte=stale[-1])
        for day, kind in rows.values_list("date", "kind"):
            if day.year in fresh:
                fresh[day.year][day] = kind
        if ttl > 0:
            _cache.update({year: (now, days) for year, days in fresh.items()})
    merged: dict[dt.date, str] = {}
    for year in years:
        merged.update(fresh[year] if year in fresh else _cache[year][1])
    return merged


def _is_working(day: dt.date, exceptions: dict[dt.date, str]) -> bool:
    kind = exceptions.get(day)
    if kind == CalendarDayKind.WORKING_DAY:
        return True
    if kind is not None:
        return False
    return day.weekday() not in WEEKEND


def _local(moment: dt.datetime | dt.date) -> tuple[dt.date, dt.time | None]:
    if isinstance(moment, dt.datetime):
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.date(), moment.time()
    return moment, None


def _cutoff() -> dt.time:
    hours, minutes = getattr(settings, "WORKDAY_AFTERNOON_CUTOFF", "15:00").split(":")
    return dt.time(int(hours), int(minutes))


def is_working_day(day: dt.date) -> bool:
    return _is_working(day, _load([day.year]))


def next_working_day(day: dt.date) -> dt.date:
    """The first working day strictly after `day`."""
    return add_working_days(day, 1)


def add_working_days(start: dt.datetime | dt.date, days: int) -> dt.date:
    """The due date of a `days`-working-day period starting at `start` (receipt); see the module docstring."""
    if days < 0:
        raise ValueError("days must be zero or more")
    day, at = _local(start)
    loaded_until = day.year + 1
    exceptions = _load([day.year, loaded_until])
    if days == 0:
        if _is_working(day, exceptions) and (at is None or at < _cutoff()):
            return day
        days = 1
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if day.year > loaded_until:
            loaded_until = day.year
            exceptions = {**exceptions, **_load([day.year])}
        if _is_working(day, exceptions):
            counted += 1
    return day


def _weekdays_after(start: dt.date, end: dt.date) -> int:
    """Monday-Friday days in (start, end], for start <= end."""
    total = (end - start).days
    full_weeks, rest = divmod(total, 7)
    count = full_weeks * 5
    for offset in range(1, rest + 1):
        if (start + dt.timedelta(days=offset)).weekday() not in WEEKEND:
            count += 1
    return count


def working_days_between(start: dt.datetime | dt.date, end: dt.datetime | dt.date) -> int:
    """Working days in (start, end]: 0 on the same day, negative when end is before start.

    add_working_days(d, n) is the first day with working_days_between(d, day) == n; for a due date,
    working_days_between(due, today) > 0 is the number of working days late.
    """
    first, _ = _local(start)
    last, _ = _local(end)
    if last < first:
        return -working_days_between(last, first)
    count = _weekdays_after(first, last)
    for day, kind in _load(range(first.year, last.year + 1)).items():
        if not first < day <= last:
            continue
        weekend = day.weekday() in WEEKEND
        if kind == CalendarDayKind.WORKING_DAY and weekend:
            count += 1
        elif kind != CalendarDayKind.WORKING_DAY and not weekend:
            count -= 1
    return count
