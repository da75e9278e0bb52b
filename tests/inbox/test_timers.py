"""First-response and resolution targets in business time: working days from the calendar (holidays included),
within the unit's office hours; a unit without its own policy follows its parent's, else the defaults."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from ketnoi.core.models import CalendarDay, CalendarDayKind
from ketnoi.inbox.models import ServicePolicy
from ketnoi.inbox.selectors import handoff_list
from ketnoi.inbox.services import handoff_open, handoff_reply
from ketnoi.inbox.timers import business_deadline, business_minutes_between, policy_for

HOURS = {"day_start": dt.time(7, 30), "day_end": dt.time(17, 0)}


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def _policy(unit, first: int, resolution: int, **kwargs):
    return ServicePolicy.objects.create(
        unit=unit, first_response_minutes=first, resolution_minutes=resolution, reopen_hours=24, **{**HOURS, **kwargs}
    )


def test_a_friday_evening_conversation_is_due_after_the_weekend_and_the_holiday(world):
    CalendarDay.objects.create(date=dt.date(2030, 9, 2), kind=CalendarDayKind.PUBLIC_HOLIDAY, name="Quốc khánh")
    _policy(world.commune_a, 120, 16 * 60)
    policy = policy_for(world.commune_a)
    friday = local(2030, 8, 30, 16, 50)
    # 10 minutes on Friday; Saturday, Sunday and Monday (National Day) are off; 110 minutes on Tuesday
    assert business_deadline(friday, 120, policy) == local(2030, 9, 3, 9, 20)
    # two days of 9.5 hours: Friday's 10 minutes, Tuesday's 570, Wednesday's remaining 380
    assert business_deadline(friday, 16 * 60, policy) == local(2030, 9, 4, 13, 50)
    assert business_minutes_between(friday, local(2030, 9, 3, 9, 20), policy) == 120
    # without the holiday, Monday counts
    CalendarDay.objects.all().delete()
    assert business_deadline(friday, 120, policy) == local(2030, 9, 2, 9, 20)


def test_a_swapped_saturday_counts_and_time_before_opening_waits_for_it(world):
    CalendarDay.objects.create(date=dt.date(2030, 8, 31), kind=CalendarDayKind.WORKING_DAY, name="Làm bù")
    _policy(world.commune_a, 60, 600)
    policy = policy_for(world.commune_a)
    assert business_deadline(local(2030, 8, 31, 6, 0), 60, policy) == local(2030, 8, 31, 8, 30)


def test_communes_follow_the_province_policy_unless_they_have_their_own(world, settings):
    settings.INBOX_FIRST_RESPONSE_MINUTES = 45
    assert policy_for(world.commune_a).first_response_minutes == 45 and policy_for(world.commune_a).unit_id is None
    _policy(world.province, 90, 900)
    assert policy_for(world.commune_a).first_response_minutes == 90
    _policy(world.commune_a, 30, 300)
    assert policy_for(world.commune_a).first_response_minutes == 30
    assert policy_for(world.commune_b).first_response_minutes == 90


def test_the_list_highlights_conversations_past_their_target(world, client, citizen):
    _policy(world.commune_a, 1, 10, day_start=dt.time(0, 0), day_end=dt.time(23, 59))
    CalendarDay.objects.filter(date=timezone.localdate()).delete()
    handoff = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)
    later = timezone.now() + dt.timedelta(days=30)
    assert handoff_list(official=world.processor_a, folder="all", now=later).get().overdue == 1
    assert handoff_list(official=world.processor_a, folder="all").get().overdue == 0
    # the stored due time is what the page compares with now: move it into the past
    handoff.first_response_due_at = timezone.now() - dt.timedelta(minutes=5)
    handoff.save(update_fields=["first_response_due_at"])
    client.force_login(world.processor_a)
    client.cookies["django_language"] = "en"
    rows = client.get(reverse("console:inbox_list") + "?folder=all", headers={"HX-Request": "true"}).content.decode()
    assert 'class="due-over' in rows and "overdue" in rows
    # answering stops the first-response clock
    handoff_reply(actor=world.processor_a, handoff=handoff, text="Chào anh", token="x")
    handoff.refresh_from_db()
    assert handoff.first_response_at is not None and not handoff.first_response_overdue()
