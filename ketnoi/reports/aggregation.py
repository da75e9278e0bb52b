"""Building the daily tables from the raw ones: for a range of days (rebuild, baseline) or for the days touched
since the last run (the periodic refresh).

What counts where (the indicator definitions in indicators.py say the same to the reader):
- a dossier counts on the local day it was received, resolved (result ready or returned, or refused), returned by
  post; its supplement requests and apology on the day of the event; a rating on the day it was given;
- the unit, agency (receiving) and desk are the dossier's; the official is who received it, except for supplement
  requests and apologies (the official who acted) and ratings (the officer rated);
- processing time is working days from receipt to the end of processing (ketnoi.core.workdays: weekends,
  holidays and swapped working days of the CalendarDay table).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from ketnoi.contacts.models import ChannelContact
from ketnoi.core.models import CalendarDay
from ketnoi.core.workdays import is_working_day
from ketnoi.dossiers.models import Dossier, DossierEvent, DossierRating, EventKind, EventOutcome, SubmissionChannel
from ketnoi.dossiers.states import State
from ketnoi.orgs.models import AdministrativeUnit
from ketnoi.outbox.models import OutboundMessage, Status

from . import petition_facts
from .models import (
    CHANNEL_METRICS,
    METRICS,
    DailyChannelStat,
    DailyDuration,
    DailyUnitStat,
    DirtyDay,
    DurationSubject,
    Footprint,
    Watermark,
)

RESOLVED_STATES = (State.RESULT_READY, State.RESULT_RETURNED, State.REFUSED)
RECEIVED_BY_CHANNEL = {
    SubmissionChannel.IN_PERSON: "received_in_person",
    SubmissionChannel.ONLINE: "received_online",
    SubmissionChannel.POSTAL: "received_postal",
}
SENT = (Status.SENT, Status.DELIVERED, Status.SEEN)
DELIVERED = (Status.DELIVERED, Status.SEEN)
FAILED = (Status.FAILED, Status.UNREACHABLE)
CIRCULAR_01_MAX = 18  # nine indicators scored 0, 1 or 2
OVERLAP = dt.timedelta(minutes=5)  # rows committed late by a long transaction are still read at the next run
RECENT_MESSAGE_DAYS = 2  # message statuses settle within days and some changes (cancel) carry no timestamp
CHUNK = 2000
SOURCE = "all"


def day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[local midnight of start, local midnight after end)."""
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


class WorkdayIndex:
    """Working days between two dates in O(1): a running count per day over the span asked for."""

    def __init__(self) -> None:
        self.base: dt.date | None = None
        self.counts: list[int] = []

    def _extend(self, first: dt.date, last: dt.date) -> None:
        if self.base is not None and self.base <= first and last < self.base + dt.timedelta(days=len(self.counts)):
            return
        start = min(first, self.base) if self.base else first
        end = max(last, self.base + dt.timedelta(days=len(self.counts) - 1)) if self.base else last
        self.base, self.counts, running = start, [], 0
        day = start
        while day <= end:
            running += 1 if is_working_day(day) else 0
            self.counts.append(running)
            day += dt.timedelta(days=1)

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end], as core.workdays.working_days_between."""
        self._extend(min(start, end), max(start, end))
        return self.counts[(end - self.base).days] - self.counts[(start - self.base).days]


def rating_points(method: str, stars: int | None, indicators: dict) -> int:
    """A rating as a percentage: quick ratings 1-5 stars, Circular 01 nine indicators 0-2 each (out of 18)."""
    if indicators:
        return round(100 * sum(int(v) for v in indicators.values()) / CIRCULAR_01_MAX)
    return round(100 * (stars or 0) / 5)


@dataclass
class Figures:
    """Rows for the daily tables, keyed by (day, unit, agency, desk, official) / (…, working days) / (day, unit, kind)."""

    unit: dict[tuple, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    durations: dict[tuple, int] = field(default_factory=lambda: defaultdict(int))
    channel: dict[tuple, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))

    def add(self, key: tuple, metric: str, amount: int = 1) -> None:
        self.unit[key][metric] += amount


def _dims(row: dict, official_key: str) -> tuple:
    return (row["unit_id"], row["receiving_agency_id"], row["desk_id"], row[official_key])


def _dossiers(figures: Figures, start: dt.date, end: dt.date, index: WorkdayIndex, dossier_ids=None) -> None:
    low, high = day_bounds(start, end)
    dossiers = Dossier.objects.all() if dossier_ids is None else Dossier.objects.filter(id__in=dossier_ids)
    dims = ("unit_id", "receiving_agency_id", "desk_id")
    received = (
        dossiers.filter(received_at__gte=low, received_at__lt=high)
        .annotate(d=TruncDate("received_at"))
        .values("d", *dims, "received_by_id", "channel")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in received:
        key = (row["d"], *_dims(row, "received_by_id"))
        figures.add(key, "received", row["n"])
        figures.add(key, RECEIVED_BY_CHANNEL.get(row["channel"], "received_in_person"), row["n"])
    resolved = dossiers.filter(finished_at__gte=low, finished_at__lt=high, state__in=RESOLVED_STATES)
    for row in resolved.values(*dims, "received_by_id", "received_at", "created_at", "finished_at", "due_date"):
        day = _local_day(row["finished_at"])
        key = (day, *_dims(row, "received_by_id"))
        figures.add(key, "resolved")
        late = row["due_date"] is not None and day > row["due_date"]
        figures.add(key, "resolved_late" if late else "resolved_on_time")
        days = max(0, index.between(_local_day(row["received_at"] or row["created_at"]), day))
        figures.add(key, "processing_days_sum", days)
        figures.durations[(*key, DurationSubject.DOSSIER, days)] += 1
    postal = dossiers.filter(
        result_returned_at__gte=low, result_returned_at__lt=high, postal_registered_at__isnull=False
    )
    for row in postal.values(*dims, "received_by_id", "result_returned_at"):
        figures.add((_local_day(row["result_returned_at"]), *_dims(row, "received_by_id")), "postal_results")
    events = DossierEvent.objects.filter(occurred_at__gte=low, occurred_at__lt=high, outcome=EventOutcome.APPLIED)
    if dossier_ids is not None:
        events = events.filter(dossier_id__in=dossier_ids)
    supplement_q = Q(to_state=State.SUPPLEMENT_REQUESTED) & ~Q(from_state=State.SUPPLEMENT_REQUESTED)
    event_rows = list(
        events.filter(supplement_q | Q(kind=EventKind.APOLOGY))
        .values("id", "dossier_id", "kind", "to_state", "occurred_at", "actor_id")
        .order_by()
    )
    supplements = [
        e for e in event_rows if e["to_state"] == State.SUPPLEMENT_REQUESTED and e["kind"] != EventKind.APOLOGY
    ]
    second_requests = _second_supplement_requests({e["dossier_id"] for e in supplements})
    owners = _dossier_dims({e["dossier_id"] for e in event_rows})
    for event in event_rows:
        key = (_local_day(event["occurred_at"]), *owners[event["dossier_id"]], event["actor_id"])
        if event["kind"] == EventKind.APOLOGY:
            figures.add(key, "apologies")
        else:
            figures.add(key, "supplement_requests")
            if event["id"] in second_requests:
                figures.add(key, "supplement_repeats")
    ratings = DossierRating.objects.filter(rated_at__gte=low, rated_at__lt=high)
    if dossier_ids is not None:
        ratings = ratings.filter(dossier_id__in=dossier_ids)
    rating_rows = list(ratings.values("dossier_id", "officer_id", "rated_at", "method", "stars", "indicators"))
    owners = _dossier_dims({r["dossier_id"] for r in rating_rows})
    for rating in rating_rows:
        key = (_local_day(rating["rated_at"]), *owners[rating["dossier_id"]], rating["officer_id"])
        figures.add(key, "ratings")
        figures.add(key, "rating_points", rating_points(rating["method"], rating["stars"], rating["indicators"]))


def _dossier_dims(ids: set[int]) -> dict[int, tuple]:
    found: dict[int, tuple] = {}
    ids = list(ids)
    for i in range(0, len(ids), CHUNK):
        rows = Dossier.objects.filter(id__in=ids[i : i + CHUNK]).values_list(
            "id", "unit_id", "receiving_agency_id", "desk_id"
        )
        found.update({row[0]: row[1:] for row in rows})
    return found


def _second_supplement_requests(dossier_ids: set[int]) -> set[int]:
    """The ids of the events that asked a dossier to supplement for the second time."""
    second: set[int] = set()
    ids = list(dossier_ids)
    supplement_q = Q(to_state=State.SUPPLEMENT_REQUESTED) & ~Q(from_state=State.SUPPLEMENT_REQUESTED)
    for i in range(0, len(ids), CHUNK):
        rows = (
            DossierEvent.objects.filter(supplement_q, dossier_id__in=ids[i : i + CHUNK], outcome=EventOutcome.APPLIED)
            .exclude(kind=EventKind.APOLOGY)
            .order_by("dossier_id", "occurred_at", "id")
            .values_list("id", "dossier_id")
        )
        rank: dict[int, int] = defaultdict(int)
        for event_id, dossier_id in rows:
            rank[dossier_id] += 1
            if rank[dossier_id] == 2:
                second.add(event_id)
    return second


def _channels(figures: Figures, start: dt.date, end: dt.date) -> None:
    low, high = day_bounds(start, end)
    messages = (
        OutboundMessage.objects.filter(created_at__gte=low, created_at__lt=high)
        .annotate(d=TruncDate("created_at"))
        .values("d", "channel__unit_id", "kind", "status")
        .annotate(n=Count("id"), cost=Sum("cost"))
        .order_by()
    )
    for row in messages:
        bucket = figures.channel[(row["d"], row["channel__unit_id"], row["kind"][:20])]
        bucket["messages"] += row["n"]
        bucket["cost"] += row["cost"] or 0
        for metric, statuses in (
            ("sent", SENT),
            ("delivered", DELIVERED),
            ("seen", (Status.SEEN,)),
            ("failed", FAILED),
        ):
            if row["status"] in statuses:
                bucket[metric] += row["n"]
    for metric, moment, following in (
        ("followers_gained", "followed_at", True),
        ("followers_lost", "unfollowed_at", False),
    ):
        rows = (
            ChannelContact.objects.filter(**{f"{moment}__gte": low, f"{moment}__lt": high, "is_follower": following})
            .annotate(d=TruncDate(moment))
            .values("d", "channel__unit_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            figures.channel[(row["d"], row["channel__unit_id"], "")][metric] += row["n"]


def compute(start: dt.date, end: dt.date, index: WorkdayIndex | None = None) -> Figures:
    """Every daily figure of the days start..end, from the raw tables."""
    figures = Figures()
    index = index or WorkdayIndex()
    _dossiers(figures, start, end, index)
    petition_facts.collect(figures, start, end, index)
    _channels(figures, start, end)
    return figures


def _paths() -> dict[int, str]:
    return dict(AdministrativeUnit.objects.values_list("id", "path"))


def _write(figures: Figures, paths: dict[int, str]) -> None:
    unit_rows = [
        DailyUnitStat(
            day=key[0], unit_id=key[1], unit_path=paths[key[1]], agency_id=key[2], desk_id=key[3], official_id=key[4],
            **{m: v for m, v in values.items() if v},
        )
        for key, values in figures.unit.items()
        if any(values.values())
    ]  # fmt: skip
    DailyUnitStat.objects.bulk_create(unit_rows, batch_size=CHUNK)
    durations = [
        DailyDuration(
            day=key[0], unit_id=key[1], unit_path=paths[key[1]], agency_id=key[2], desk_id=key[3], official_id=key[4],
            subject=key[5], working_days=key[6], count=count,
        )
        for key, count in figures.durations.items()
    ]  # fmt: skip
    coarse: dict[tuple, int] = defaultdict(int)
    for key, count in figures.durations.items():
        coarse[(key[0], key[1], key[2], key[5], key[6])] += count
    durations += [
        DailyDuration(
            day=day, unit_id=unit, unit_path=paths[unit], agency_id=agency, subject=subject, working_days=days,
            count=count, fine=False,
        )
        for (day, unit, agency, subject, days), count in coarse.items()
    ]  # fmt: skip
    DailyDuration.objects.bulk_create(durations, batch_size=CHUNK)
    channel_rows = [
        DailyChannelStat(day=key[0], unit_id=key[1], unit_path=paths[key[1]], kind=key[2], **values)
        for key, values in figures.channel.items()
        if any(values.values())
    ]
    DailyChannelStat.objects.bulk_create(channel_rows, batch_size=CHUNK)


def _delete_days(days: list[dt.date]) -> None:
    for i in range(0, len(days), 500):
        chunk = days[i : i + 500]
        for model in (DailyUnitStat, DailyDuration, DailyChannelStat):
            model.objects.filter(day__in=chunk).delete()


def _runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Contiguous runs of days: one set of queries per run."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + dt.timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def recompute_days(days: Iterable[dt.date]) -> int:
    """Replace the daily rows of these days by a fresh computation. Returns the number of days."""
    days = sorted(set(days))
    paths, index = _paths(), WorkdayIndex()
    _delete_days(days)
    for start, end in _runs(days):
        _write(compute(start, end, index), paths)
    return len(days)


# --- which days a change touches -----------------------------------------------------------------------------


def _item(moment, *parts) -> str:
    """One contribution of an object to a day: the day, then everything that decides what it adds there."""
    return "|".join([_local_day(moment).isoformat(), *(str(p) for p in parts)])


def dossier_days(ids: Iterable[int]) -> dict[int, set[str]]:
    """What each dossier adds to which day (receipt, resolution, postal return, supplements, apology, ratings).

    Comparing these with the last refresh's tells the days whose figures change: resolving a dossier touches the
    day of resolution, not the day it was received (unless its desk or officer changed too)."""
    items: dict[int, set[str]] = defaultdict(set)
    ids = list(ids)
    supplement_q = Q(to_state=State.SUPPLEMENT_REQUESTED) & ~Q(from_state=State.SUPPLEMENT_REQUESTED)
    dims: dict[int, tuple] = {}
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        for row in Dossier.objects.filter(id__in=chunk).values(
            "id", "unit_id", "receiving_agency_id", "desk_id", "received_by_id", "channel", "received_at",
            "created_at", "finished_at", "state", "due_date", "result_returned_at", "postal_registered_at",
        ):  # fmt: skip
            own = items[row["id"]]  # a dossier that counts nowhere still gets an (empty) footprint
            dims[row["id"]] = (row["unit_id"], row["receiving_agency_id"], row["desk_id"])
            who = (*dims[row["id"]], row["received_by_id"])
            if row["received_at"]:
                own.add(_item(row["received_at"], "r", *who, row["channel"]))
            if row["finished_at"] and row["state"] in RESOLVED_STATES:
                start = _local_day(row["received_at"] or row["created_at"])
                own.add(_item(row["finished_at"], "f", *who, row["due_date"], start))
            if row["result_returned_at"] and row["postal_registered_at"]:
                own.add(_item(row["result_returned_at"], "p", *who))
        events = DossierEvent.objects.filter(dossier_id__in=chunk, outcome=EventOutcome.APPLIED).filter(
            supplement_q | Q(kind=EventKind.APOLOGY)
        )
        rank: dict[int, int] = defaultdict(int)
        rows = events.order_by("dossier_id", "occurred_at", "id").values_list(
            "dossier_id", "kind", "occurred_at", "actor_id"
        )
        for dossier_id, kind, moment, actor in rows:
            if kind != EventKind.APOLOGY:
                rank[dossier_id] += 1
            items[dossier_id].add(_item(moment, kind, *dims.get(dossier_id, ()), actor, rank[dossier_id] == 2))
        ratings = DossierRating.objects.filter(dossier_id__in=chunk).values_list(
            "dossier_id", "rated_at", "officer_id", "method", "stars", "indicators"
        )
        for dossier_id, moment, officer, method, stars, indicators in ratings:
            points = rating_points(method, stars, indicators)
            items[dossier_id].add(_item(moment, "rating", *dims.get(dossier_id, ()), officer, points))
    return items


def contact_days(ids: Iterable[int]) -> dict[int, set[str]]:
    items: dict[int, set[str]] = defaultdict(set)
    ids = list(ids)
    for i in range(0, len(ids), CHUNK):
        rows = ChannelContact.objects.filter(id__in=ids[i : i + CHUNK]).values_list(
            "id", "channel_id", "is_follower", "followed_at", "unfollowed_at"
        )
        for contact_id, channel_id, following, followed, unfollowed in rows:
            items[contact_id]
            moment = followed if following else unfollowed
            if moment:
                items[contact_id].add(_item(moment, channel_id, following))
    return items


FOOTPRINTS = {"dossier": dossier_days, "contact": contact_days, **petition_facts.FOOTPRINTS}


def _day_of(item: str) -> dt.date:
    return dt.date.fromisoformat(item.split("|", 1)[0])


def _swap_footprints(source: str, new: dict[int, set[str]]) -> set[dt.date]:
    """Store the new footprints; return the days where an object's contribution appeared, went or changed."""
    touched: set[dt.date] = set()
    ids = list(new)
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        old_rows = Footprint.objects.filter(source=source, object_id__in=chunk)
        old = {object_id: set(items) for object_id, items in old_rows.values_list("object_id", "days")}
        for object_id in chunk:
            touched.update(_day_of(item) for item in old.get(object_id, set()) ^ new[object_id])
        old_rows.delete()
        Footprint.objects.bulk_create(
            [Footprint(source=source, object_id=object_id, days=sorted(new[object_id])) for object_id in chunk]
        )
    return touched


def _changed_ids(since: dt.datetime) -> dict[str, set[int]]:
    dossier_ids = set(Dossier.objects.filter(updated_at__gte=since).values_list("id", flat=True))
    dossier_ids |= set(DossierEvent.objects.filter(recorded_at__gte=since).values_list("dossier_id", flat=True))
    dossier_ids |= set(DossierRating.objects.filter(rated_at__gte=since).values_list("dossier_id", flat=True))
    contact_ids = set(
        ChannelContact.objects.filter(
            Q(followed_at__gte=since) | Q(unfollowed_at__gte=since) | Q(created_at__gte=since)
        ).values_list("id", flat=True)
    )
    return {"dossier": dossier_ids, "contact": contact_ids, **petition_facts.changed_ids(since)}


def _message_days(since: dt.datetime, now: dt.datetime) -> set[dt.date]:
    moments = ("created_at", "sent_at", "delivered_at", "seen_at", "claimed_at", "next_attempt_at")
    changed = Q()
    for moment in moments:
        changed |= Q(**{f"{moment}__gte": since})
    created = OutboundMessage.objects.filter(changed).values_list("created_at", flat=True)
    days = {_local_day(moment) for moment in created.iterator(chunk_size=CHUNK)}
    today = _local_day(now)
    days.update(today - dt.timedelta(days=n) for n in range(RECENT_MESSAGE_DAYS))
    return days


def _calendar_days(since: dt.datetime, now: dt.datetime) -> set[dt.date]:
    """A holiday added or changed moves working-day counts of everything finished on or after it (until today).
    A removed calendar day leaves no row to notice: the service removing it should call mark_days_dirty."""
    changed = CalendarDay.objects.filter(updated_at__gte=since).order_by("date").values_list("date", flat=True).first()
    today = _local_day(now)
    if changed is None or changed > today:
        return set()
    return {changed + dt.timedelta(days=n) for n in range((today - changed).days + 1)}


@dataclass
class RefreshResult:
    days: int
    rebuilt: bool
    watermark: dt.datetime


def mark_days_dirty(*, days: Iterable[dt.date]) -> None:
    """Recompute these days at the next refresh (e.g. after the working-day calendar changed)."""
    for day in set(days):
        DirtyDay.objects.get_or_create(day=day)


@transaction.atomic
def reports_rebuild(*, now: dt.datetime | None = None, footprints: bool = True) -> RefreshResult:
    """Recompute every day from the raw tables: the first run, and the reference the tests compare against."""
    now = now or timezone.now()
    firsts = [
        Dossier.objects.exclude(received_at=None).order_by("received_at").values_list("received_at", flat=True).first(),
        DossierRating.objects.order_by("rated_at").values_list("rated_at", flat=True).first(),
        OutboundMessage.objects.order_by("created_at").values_list("created_at", flat=True).first(),
        ChannelContact.objects.exclude(followed_at=None).order_by("followed_at").values_list("followed_at", flat=True).first(),
        ChannelContact.objects.exclude(unfollowed_at=None).order_by("unfollowed_at").values_list("unfollowed_at", flat=True).first(),
        petition_facts.first_moment(),
    ]  # fmt: skip
    for model in (DailyUnitStat, DailyDuration, DailyChannelStat):
        model.objects.all().delete()
    DirtyDay.objects.all().delete()
    days = 0
    firsts = [moment for moment in firsts if moment is not None]
    if firsts:
        first = min(_local_day(m) for m in firsts)
        last = _local_day(now) + dt.timedelta(days=1)
        paths, index = _paths(), WorkdayIndex()
        start = first
        while start <= last:  # a month at a time keeps memory flat
            end = min(last, start + dt.timedelta(days=30))
            _write(compute(start, end, index), paths)
            start = end + dt.timedelta(days=1)
        days = (last - first).days + 1
    if footprints:
        Footprint.objects.all().delete()
        ids = {
            "dossier": Dossier.objects.values_list("id", flat=True),
            "contact": ChannelContact.objects.values_list("id", flat=True),
            **petition_facts.all_ids(),
        }
        for source, queryset in ids.items():
            all_ids = list(queryset)
            for i in range(0, len(all_ids), 20 * CHUNK):
                _swap_footprints(source, FOOTPRINTS[source](all_ids[i : i + 20 * CHUNK]))
    Watermark.objects.update_or_create(source=SOURCE, defaults={"value": now})
    return RefreshResult(days=days, rebuilt=True, watermark=now)


@transaction.atomic
def reports_refresh(*, now: dt.datetime | None = None) -> RefreshResult:
    """Recompute the days touched since the last run (rows changed after the watermark, their old and new days)."""
    now = now or timezone.now()
    mark = Watermark.objects.select_for_update().filter(source=SOURCE).first()
    if mark is None:
        return reports_rebuild(now=now)
    since = mark.value - OVERLAP
    dirty_rows = list(DirtyDay.objects.values_list("id", "day"))
    touched = {day for _id, day in dirty_rows}
    for source, ids in _changed_ids(since).items():
        if ids:
            touched |= _swap_footprints(source, FOOTPRINTS[source](ids))
    touched |= _message_days(since, now)
    touched |= _calendar_days(since, now)
    recompute_days(touched)
    DirtyDay.objects.filter(id__in=[i for i, _day in dirty_rows]).delete()
    mark.value = now
    mark.save(update_fields=["value"])
    return RefreshResult(days=len(touched), rebuilt=False, watermark=now)


def refresh_job() -> None:
    """SCHEDULED_JOBS entry."""
    reports_refresh()


__all__ = ["CHANNEL_METRICS", "METRICS", "compute", "recompute_days", "reports_rebuild", "reports_refresh"]
