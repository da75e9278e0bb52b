"""The daily tables kept by the incremental refresh equal a full recomputation, after a run of random changes:
new dossiers, dossiers resolved, moved to another desk, their resolution moved to another day, supplements,
apologies, ratings, petitions answered and reopened, follows and unfollows, message status changes."""

import datetime as dt
import random
from collections import Counter

from django.utils import timezone

from ketnoi.contacts.models import ChannelContact
from ketnoi.core.models import CalendarDay, CalendarDayKind
from ketnoi.core.workdays import invalidate_calendar_cache
from ketnoi.dossiers.models import Dossier, DossierRating, EventKind, RatingMethod
from ketnoi.dossiers.states import State
from ketnoi.orgs.models import Desk
from ketnoi.outbox.models import OutboundMessage
from ketnoi.petitions.models import EventKind as PetitionEventKind
from ketnoi.petitions.models import Petition, PetitionEvent
from ketnoi.reports.aggregation import mark_days_dirty, reports_rebuild, reports_refresh
from ketnoi.reports.models import DailyChannelStat, DailyDuration, DailyUnitStat
from tests.reports import dataset


def snapshot() -> Counter:
    """The content of the three daily tables, as a multiset of rows without their ids."""
    rows: Counter = Counter()
    for model in (DailyUnitStat, DailyDuration, DailyChannelStat):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        rows.update((model.__name__, *row) for row in model.objects.values_list(*fields))
    return rows


def random_moment(rng: random.Random) -> dt.datetime:
    day = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(120))
    return dataset.at(day.isoformat(), f"{rng.randrange(24):02d}:{rng.randrange(60):02d}")


def change(rng: random.Random, world, channel) -> str:
    now = timezone.now()
    dossiers = list(Dossier.objects.all())
    what = rng.choice(["new", "resolve", "move_desk", "move_end", "supplement", "apology", "rating", "petition",
                       "reopen", "follow", "unfollow", "message"])  # fmt: skip
    if what == "new" or not dossiers:
        commune = rng.choice(["90001", "90007"])
        dataset.dossier(world, commune, received=random_moment(rng), channel=rng.choice(["in_person", "online", "postal"]),
                        officer=rng.choice([world.desk_a, world.desk_b, None]))  # fmt: skip
        return "new"
    target = rng.choice(dossiers)
    if what == "resolve":
        target.state = rng.choice([State.RESULT_READY, State.RESULT_RETURNED, State.REFUSED, State.WITHDRAWN])
        target.finished_at = random_moment(rng)
        target.due_date = random_moment(rng).date()
        target.save()
    elif what == "move_desk":
        desks = [*Desk.objects.filter(agency=target.receiving_agency), None]
        target.desk = rng.choice(desks)
        target.received_by = rng.choice([world.desk_a, world.desk_b, None])
        target.save()
    elif what == "move_end" and target.finished_at:
        target.finished_at = random_moment(rng)  # a correction from the one-stop system
        target.save()
    elif what == "supplement":
        dataset.event(target, EventKind.SUPPLEMENT_REQUESTED, random_moment(rng), world.processor_a,
                      from_state=State.PROCESSING, to_state=State.SUPPLEMENT_REQUESTED)  # fmt: skip
    elif what == "apology":
        dataset.event(target, EventKind.APOLOGY, random_moment(rng), rng.choice([world.processor_a, None]))
    elif what == "rating":
        DossierRating.objects.create(dossier=target, officer=world.desk_a, method=RatingMethod.QUICK,
                                     stars=rng.randint(1, 5), rated_at=random_moment(rng))  # fmt: skip
        dataset.event(target, EventKind.RATING, now, None)  # as the rating service records it
    elif what == "petition":
        petition = Petition.objects.order_by("?").first()
        petition.first_answered_at = random_moment(rng)
        petition.answer_due = random_moment(rng).date()
        petition.rating, petition.rated_at = rng.randint(1, 5), random_moment(rng)
        petition.save()
    elif what == "reopen":
        petition = Petition.objects.order_by("?").first()
        PetitionEvent.objects.create(petition=petition, kind=PetitionEventKind.REOPENED, occurred_at=now)
    elif what == "follow":
        dataset.follower(channel, followed=now, following=True)
    elif what == "unfollow":
        person = ChannelContact.objects.filter(is_follower=True).order_by("?").first()
        if person:
            person.is_follower, person.unfollowed_at = False, now
            person.save()
    elif what == "message":
        message = OutboundMessage.objects.order_by("?").first()
        message.status = rng.choice(["delivered", "seen", "failed"])
        message.delivered_at = now if message.status != "failed" else None
        message.next_attempt_at = now
        message.save()
    return what


def test_incremental_refresh_equals_a_full_recomputation_after_random_changes(world):
    data = dataset.build(world)
    CalendarDay.objects.update(updated_at=timezone.now() - dt.timedelta(days=30))  # the calendar was set up long ago
    first = reports_refresh()  # no watermark yet: the first run rebuilds
    assert first.rebuilt
    rng = random.Random(9)
    done = Counter()
    for _round in range(6):
        for _ in range(12):
            done[change(rng, world, data["channel"])] += 1
        result = reports_refresh()
        assert not result.rebuilt
        assert result.days < 130, "an incremental run recomputes only the touched days"
    assert len(done) >= 8, done
    incremental = snapshot()
    reports_rebuild()
    full = snapshot()
    assert incremental == full
    assert sum(1 for row in full if row[0] == "DailyUnitStat") > 10


def test_a_day_marked_dirty_is_recomputed(world):
    dataset.build(world)
    reports_refresh()
    day = dt.date(2026, 1, 5)
    DailyUnitStat.objects.filter(day=day).update(received=99)  # stale, as after a calendar correction
    mark_days_dirty(days=[day])
    reports_refresh()
    assert sorted(DailyUnitStat.objects.filter(day=day).values_list("received", flat=True)) == [0, 1]  # D1; P1


def test_a_holiday_added_later_changes_processing_times_at_the_next_refresh(world):
    dataset.build(world)
    reports_refresh(now=dataset.at("2026-04-05"))
    before = DailyUnitStat.objects.get(day=dt.date(2026, 3, 31), resolved=1).processing_days_sum
    assert before == 51  # D5, 12 January to 31 March
    CalendarDay.objects.create(date=dt.date(2026, 3, 2), kind=CalendarDayKind.DAY_OFF, name="Nghỉ bù")
    invalidate_calendar_cache()
    reports_refresh(now=dataset.at("2026-04-05"))
    assert DailyUnitStat.objects.get(day=dt.date(2026, 3, 31), resolved=1).processing_days_sum == 50
    incremental = snapshot()
    reports_rebuild(now=dataset.at("2026-04-05"))
    assert snapshot() == incremental
