"""Petition figures for the daily tables (kept apart from aggregation.py, which is about dossiers and channels).

A petition counts on the local day it was received, forwarded (latest forward), first answered, rated, and on
each reopening. Unit and agency are the petition's (the owner agency); the official is the assignee, except for
a reopening (the official who reopened it). Answer time is working days from receipt to the first answer.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from ketnoi.petitions.models import EventKind, Petition, PetitionEvent

from .models import DurationSubject

CHUNK = 2000


def _day(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def _bounds(start: dt.date, end: dt.date):
    from .aggregation import day_bounds

    return day_bounds(start, end)


def collect(figures, start: dt.date, end: dt.date, index) -> None:
    low, high = _bounds(start, end)
    dims = ("unit_id", "owner_agency_id", "assignee_id")
    received = (
        Petition.objects.filter(received_at__gte=low, received_at__lt=high)
        .annotate(d=TruncDate("received_at"))
        .values("d", *dims)
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in received:
        figures.add(
            (row["d"], row["unit_id"], row["owner_agency_id"], None, row["assignee_id"]), "petitions_received", row["n"]
        )
    forwarded = Petition.objects.filter(forwarded_at__gte=low, forwarded_at__lt=high)
    for row in forwarded.values(*dims, "forwarded_at", "forward_due"):
        day = _day(row["forwarded_at"])
        key = (day, row["unit_id"], row["owner_agency_id"], None, row["assignee_id"])
        figures.add(key, "petitions_forwarded")
        if row["forward_due"] is None or day <= row["forward_due"]:
            figures.add(key, "petitions_forwarded_in_time")
    answered = Petition.objects.filter(first_answered_at__gte=low, first_answered_at__lt=high)
    for row in answered.values(*dims, "first_answered_at", "answer_due", "received_at"):
        day = _day(row["first_answered_at"])
        key = (day, row["unit_id"], row["owner_agency_id"], None, row["assignee_id"])
        figures.add(key, "petitions_answered")
        if row["answer_due"] is None or day <= row["answer_due"]:
            figures.add(key, "petitions_answered_on_time")
        days = max(0, index.between(_day(row["received_at"]), day))
        figures.add(key, "petition_answer_days_sum", days)
        figures.durations[(*key, DurationSubject.PETITION, days)] += 1
    rated = Petition.objects.filter(rated_at__gte=low, rated_at__lt=high, rating__isnull=False)
    for row in rated.values(*dims, "rated_at", "rating"):
        key = (_day(row["rated_at"]), row["unit_id"], row["owner_agency_id"], None, row["assignee_id"])
        figures.add(key, "petition_ratings")
        figures.add(key, "petition_rating_points", row["rating"] * 20)
    reopened = PetitionEvent.objects.filter(kind=EventKind.REOPENED, occurred_at__gte=low, occurred_at__lt=high)
    for row in reopened.values("petition__unit_id", "petition__owner_agency_id", "actor_id", "occurred_at"):
        key = (
            _day(row["occurred_at"]),
            row["petition__unit_id"],
            row["petition__owner_agency_id"],
            None,
            row["actor_id"],
        )
        figures.add(key, "petitions_reopened")


def _item(moment: dt.datetime, *parts) -> str:
    return "|".join([_day(moment).isoformat(), *(str(p) for p in parts)])


def petition_days(ids: Iterable[int]) -> dict[int, set[str]]:
    """What each petition adds to which day (see aggregation.dossier_days)."""
    items: dict[int, set[str]] = defaultdict(set)
    ids = list(ids)
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        rows = Petition.objects.filter(id__in=chunk).values(
            "id", "unit_id", "owner_agency_id", "assignee_id", "received_at", "forwarded_at", "forward_due",
            "first_answered_at", "answer_due", "rated_at", "rating",
        )  # fmt: skip
        for row in rows:
            own = items[row["id"]]
            who = (row["unit_id"], row["owner_agency_id"], row["assignee_id"])
            own.add(_item(row["received_at"], "r", *who))
            if row["forwarded_at"]:
                own.add(_item(row["forwarded_at"], "f", *who, row["forward_due"]))
            if row["first_answered_at"]:
                start = _day(row["received_at"])
                own.add(_item(row["first_answered_at"], "a", *who, row["answer_due"], start))
            if row["rated_at"] and row["rating"] is not None:
                own.add(_item(row["rated_at"], "s", *who, row["rating"]))
        events = PetitionEvent.objects.filter(petition_id__in=chunk, kind=EventKind.REOPENED)
        rows = events.values_list(
            "petition_id", "occurred_at", "actor_id", "petition__unit_id", "petition__owner_agency_id"
        )
        for petition_id, moment, actor, unit, agency in rows:
            items[petition_id].add(_item(moment, "o", unit, agency, actor))
    return items


FOOTPRINTS = {"petition": petition_days}


def changed_ids(since: dt.datetime) -> dict[str, set[int]]:
    ids = set(Petition.objects.filter(updated_at__gte=since).values_list("id", flat=True))
    ids |= set(PetitionEvent.objects.filter(occurred_at__gte=since).values_list("petition_id", flat=True))
    return {"petition": ids}


def all_ids() -> dict:
    return {"petition": Petition.objects.values_list("id", flat=True)}


def first_moment() -> dt.datetime | None:
    return Petition.objects.order_by("received_at").values_list("received_at", flat=True).first()
