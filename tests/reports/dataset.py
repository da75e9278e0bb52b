"""A small fixed data set for the first quarter of 2026, with the figures worked out by hand in `EXPECTED`.

Calendar: 1 January (Thursday) and 16-20 February (Tết, Monday-Friday) are holidays; Saturday 3 January is a
swapped working day. Times are local (Asia/Ho_Chi_Minh, UTC+7): a dossier received at 23:30 on 31 March counts
in March, one at 00:30 on 1 April does not.
"""

import datetime as dt
from itertools import count
from zoneinfo import ZoneInfo

from ketnoi.channels.models import Channel
from ketnoi.contacts.models import ChannelContact, Contact
from ketnoi.core.models import CalendarDay, CalendarDayKind
from ketnoi.core.workdays import invalidate_calendar_cache
from ketnoi.dossiers.models import Dossier, DossierEvent, DossierRating, EventKind, RatingMethod
from ketnoi.dossiers.states import State
from ketnoi.orgs.models import Agency, Desk
from ketnoi.outbox.models import OutboundMessage
from ketnoi.petitions.models import EventKind as PetitionEventKind
from ketnoi.petitions.models import Petition, PetitionCategory, PetitionEvent
from ketnoi.procedures.models import Procedure

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_serial = count(1)


def at(day: str, time: str = "09:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=TZ)


def d(day: str) -> dt.date:
    return dt.date.fromisoformat(day)


def calendar() -> None:
    for day in ["2026-01-01", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20"]:
        CalendarDay.objects.update_or_create(
            date=d(day), defaults={"kind": CalendarDayKind.PUBLIC_HOLIDAY, "name": "x"}
        )
    CalendarDay.objects.update_or_create(
        date=d("2026-01-03"), defaults={"kind": CalendarDayKind.WORKING_DAY, "name": "swapped"}
    )
    invalidate_calendar_cache()


def dossier(world, commune: str, *, received: dt.datetime | None, channel="in_person", officer=None, **fields):
    agency = Agency.objects.get(code=f"H90.{commune}")
    procedure, _ = Procedure.objects.get_or_create(
        code="RPT.1", defaults={"name": "Thủ tục báo cáo", "processing_days": 3}
    )
    return Dossier.objects.create(
        receipt_code=f"RPT-{next(_serial):05d}",
        applicant_name="Người Thử",
        procedure=procedure,
        unit=agency.unit,
        receiving_agency=agency,
        desk=Desk.objects.get(agency=agency, code="Q01"),
        channel=channel,
        received_by=officer,
        received_at=received,
        **fields,
    )


def event(dossier_, kind, moment, actor, **fields):
    return DossierEvent.objects.create(dossier=dossier_, kind=kind, occurred_at=moment, actor=actor, **fields)


def build(world) -> dict:
    calendar()
    a, b = "90001", "90007"
    desk_a, desk_b, processor = world.desk_a, world.desk_b, world.processor_a
    d1 = dossier(
        world,
        a,
        received=at("2026-01-05"),
        officer=desk_a,
        state=State.RESULT_RETURNED,
        finished_at=at("2026-01-09", "10:00"),
        due_date=d("2026-01-09"),
    )
    dossier(
        world,
        a,
        received=at("2025-12-31", "10:00"),
        channel="online",
        officer=desk_a,
        state=State.RESULT_READY,
        finished_at=at("2026-01-06"),
        due_date=d("2026-01-05"),
    )
    d3 = dossier(
        world,
        a,
        received=at("2026-02-13", "08:00"),
        channel="postal",
        officer=desk_a,
        state=State.RESULT_RETURNED,
        finished_at=at("2026-02-23", "16:00"),
        due_date=d("2026-02-24"),
        postal_registered_at=at("2026-02-20"),
        result_returned_at=at("2026-02-24"),
    )
    d4 = dossier(world, a, received=at("2026-03-02"), officer=desk_a, state=State.SUPPLEMENT_REQUESTED)
    for moment in ("2026-03-03", "2026-03-10"):
        event(
            d4,
            EventKind.SUPPLEMENT_REQUESTED,
            at(moment),
            processor,
            from_state=State.PROCESSING,
            to_state=State.SUPPLEMENT_REQUESTED,
        )
    event(d4, EventKind.APOLOGY, at("2026-03-20"), processor)
    dossier(
        world,
        b,
        received=at("2026-01-12"),
        officer=desk_b,
        state=State.REFUSED,
        finished_at=at("2026-03-31", "23:30"),
        due_date=d("2026-02-10"),
    )
    dossier(world, b, received=at("2026-03-31", "23:30"), channel="online", officer=desk_b)
    dossier(world, b, received=at("2026-04-01", "00:30"), officer=desk_b)
    dossier(world, a, received=at("2026-01-20"), officer=desk_a, state=State.WITHDRAWN, finished_at=at("2026-01-22"))
    DossierRating.objects.create(
        dossier=d1, officer=desk_a, method=RatingMethod.QUICK, stars=4, rated_at=at("2026-01-10")
    )
    DossierRating.objects.create(
        dossier=d3,
        officer=desk_a,
        method=RatingMethod.CIRCULAR_01,
        indicators={str(n): 2 for n in range(1, 10)},
        rated_at=at("2026-02-25"),
    )
    # petitions
    category = PetitionCategory.objects.create(unit=world.province, code="rpt", name="Môi trường")
    p1 = petition(
        world,
        a,
        category,
        received=at("2026-01-05", "08:00"),
        forwarded_at=at("2026-01-06"),
        forward_due=d("2026-01-07"),
        first_answered_at=at("2026-01-16"),
        answer_due=d("2026-01-15"),
        rating=4,
        rated_at=at("2026-01-20"),
    )
    PetitionEvent.objects.create(
        petition=p1, kind=PetitionEventKind.REOPENED, occurred_at=at("2026-01-21"), actor=processor
    )
    petition(
        world,
        b,
        category,
        received=at("2026-02-02"),
        forwarded_at=at("2026-02-10"),
        forward_due=d("2026-02-05"),
        first_answered_at=at("2026-02-12"),
        answer_due=d("2026-03-01"),
    )
    # channels: a web chat of commune A
    channel = Channel.objects.create(unit=world.commune_a, type_code="webchat", name="Chat A")
    follower(channel, followed=at("2025-12-20"), following=True)
    follower(channel, followed=at("2026-02-01"), following=True)
    follower(channel, followed=at("2026-01-10"), unfollowed=at("2026-03-01"), following=False)
    follower(channel, followed=at("2026-04-02"), following=True)
    for day, kind, status, cost in [
        ("2026-01-10", "text", "seen", 0),
        ("2026-01-11", "text", "delivered", 150),
        ("2026-02-01", "template", "failed", 0),
        ("2026-02-02", "template", "sent", 300),
    ]:
        message(channel, at(day), kind, status, cost)
    return {"channel": channel}


def petition(world, commune, category, *, received, **fields):
    agency = Agency.objects.get(code=f"UB.{commune}")
    return Petition.objects.create(
        tracking_code=f"PA-RPT-{next(_serial)}", petitioner_name="Người Góp Ý", category=category, subject="Rác",
        text="Rác chưa thu gom", unit=agency.unit, area=agency.unit, owner_agency=agency, received_at=received, **fields,
    )  # fmt: skip


def follower(channel, *, followed, following, unfollowed=None):
    n = next(_serial)
    person = Contact.objects.create(name=f"Người theo dõi {n}")
    return ChannelContact.objects.create(
        channel=channel, contact=person, user_id=f"rpt{n}", is_follower=following, followed_at=followed,
        unfollowed_at=unfollowed,
    )  # fmt: skip


def message(channel, created, kind, status, cost):
    n = next(_serial)
    return OutboundMessage.objects.create(
        channel=channel, recipient_user_id=f"rpt{n}", kind=kind, payload={"kind": kind}, idempotency_key=f"rpt-{n}",
        status=status, cost=cost, created_at=created,
    )  # fmt: skip


# Worked out by hand from the data above (see the module docstring for the calendar).
# Processing times in working days (receipt day not counted): D1 5 Jan → 9 Jan: 4; D2 31 Dec → 6 Jan: 2 Jan,
# 3 Jan (swapped), 5, 6 Jan: 4; D3 13 Feb → 23 Feb: only 23 Feb (Tết 16-20): 1; D5 12 Jan → 31 Mar:
# 14 (Jan) + 15 (Feb without Tết) + 22 (Mar) = 51. Petition answers: P1 5 → 16 Jan: 9; P2 2 → 12 Feb: 8.
EXPECTED_PROVINCE_Q1 = {
    "received": 6, "received_in_person": 4, "received_online": 1, "received_postal": 1,
    "resolved": 4, "resolved_on_time": 2, "resolved_late": 2, "on_time_rate": 50.0,
    "processing_days_avg": 15.0, "processing_days_p90": 51,
    "supplement_requests": 2, "supplement_repeats": 1, "apologies": 1, "postal_results": 1,
    "ratings": 2, "satisfaction": 90.0,
    "petitions_received": 2, "petitions_forwarded_in_time": 1, "petitions_forward_rate": 50.0,
    "petitions_answered": 2, "petitions_answered_on_time": 1, "petition_answer_rate": 50.0,
    "petition_answer_days_avg": 8.5, "petition_satisfaction": 80.0, "petitions_reopened": 1,
    "followers_total": 2, "followers_growth": 0, "messages": 4, "delivery_rate": 66.7, "seen_rate": 33.3,
    "cost": 450,
}  # fmt: skip
EXPECTED_COMMUNE_A_Q1 = {
    "received": 4, "received_in_person": 3, "received_online": 0, "received_postal": 1,
    "resolved": 3, "resolved_on_time": 2, "resolved_late": 1, "on_time_rate": 66.7,
    "processing_days_avg": 3.0, "processing_days_p90": 4,
    "supplement_requests": 2, "supplement_repeats": 1, "apologies": 1, "postal_results": 1,
    "petitions_received": 1, "petitions_answered_on_time": 0, "petition_answer_days_avg": 9.0,
    "followers_total": 2, "messages": 4,
}  # fmt: skip
