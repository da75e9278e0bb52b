"""Response targets in business time: working days (core.workdays, so holidays and swapped days count) between a
unit's office hours. After Chatwoot's SLA policies (first response, resolution, only during business hours).

A hand-off opened at 16:50 on a Friday with a 2-hour first-response target and hours 07:30-17:00 is due at 09:20
on the next working day; one opened on a holiday starts counting at the next working day's 07:30.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ketnoi.core.workdays import is_working_day
from ketnoi.orgs.models import AdministrativeUnit

from . import conf
from .models import ServicePolicy

MAX_DAYS = 3660  # a target never needs more; guards the walk against a calendar with no working day


@dataclass(frozen=True)
class Policy:
    first_response_minutes: int
    resolution_minutes: int
    day_start: dt.time
    day_end: dt.time
    reopen_hours: int
    unit_id: int | None = None  # the unit whose ServicePolicy this is; None: the defaults

    @property
    def minutes_per_day(self) -> int:
        start = self.day_start.hour * 60 + self.day_start.minute
        end = self.day_end.hour * 60 + self.day_end.minute
        return max(end - start, 0)


def default_policy() -> Policy:
    start, end = conf.default_business_hours()
    return Policy(
        first_response_minutes=conf.default_first_response_minutes(),
        resolution_minutes=conf.default_resolution_minutes(),
        day_start=start,
        day_end=end,
        reopen_hours=conf.default_reopen_hours(),
    )


def policy_for(unit: AdministrativeUnit) -> Policy:
    """The unit's own policy, else its nearest ancestor's, else the defaults."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part] or [unit.pk]
    policies = {p.unit_id: p for p in ServicePolicy.objects.filter(unit_id__in=ids)}
    for unit_id in reversed(ids):
        found = policies.get(unit_id)
        if found is not None:
            return Policy(
                first_response_minutes=found.first_response_minutes,
                resolution_minutes=found.resolution_minutes,
                day_start=found.day_start,
                day_end=found.day_end,
                reopen_hours=found.reopen_hours,
                unit_id=unit_id,
            )
    return default_policy()


def _open_span(day: dt.date, policy: Policy) -> tuple[dt.datetime, dt.datetime] | None:
    """The office hours of `day` as aware instants, or None on a day off."""
    if policy.minutes_per_day <= 0 or not is_working_day(day):
        return None
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(day, policy.day_start), tz)
    end = timezone.make_aware(dt.datetime.combine(day, policy.day_end), tz)
    return start, end


def business_deadline(start: dt.datetime, minutes: int, policy: Policy) -> dt.datetime:
    """The instant at which `minutes` of business time have passed since `start`."""
    remaining = dt.timedelta(minutes=max(minutes, 0))
    day = timezone.localtime(start).date()
    for _ in range(MAX_DAYS):
        span = _open_span(day, policy)
        if span is not None:
            begin = max(span[0], start)
            if begin < span[1]:
                available = span[1] - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += dt.timedelta(days=1)
    raise ValueError("No working day within ten years: check the calendar and the office hours.")


def business_minutes_between(start: dt.datetime, end: dt.datetime, policy: Policy) -> int:
    """Whole business minutes in [start, end] (0 when end is before start)."""
    if end <= start:
        return 0
    total = dt.timedelta()
    day, last = timezone.localtime(start).date(), timezone.localtime(end).date()
    while day <= last:
        span = _open_span(day, policy)
        if span is not None:
            begin, finish = max(span[0], start), min(span[1], end)
            if finish > begin:
                total += finish - begin
        day += dt.timedelta(days=1)
    return int(total.total_seconds() // 60)


def due_times(opened_at: dt.datetime, policy: Policy) -> tuple[dt.datetime, dt.datetime]:
    """(first response due, resolution due) of a hand-off (re)opened at `opened_at`."""
    return (
        business_deadline(opened_at, policy.first_response_minutes, policy),
        business_deadline(opened_at, policy.resolution_minutes, policy),
    )
