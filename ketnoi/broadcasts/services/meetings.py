"""Meetings on the internal channel: schedule, reminders before the meeting (once), attendance by a button."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ketnoi.channels.types.base import Button
from ketnoi.core.audit import audit_record
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.orgs.models import AdministrativeUnit
from ketnoi.orgs.scoping import scope_of

from .. import conf
from ..models import Attendance, Meeting, MeetingParticipant
from .internal import official_notify

ATTEND_PAYLOAD = "#bc.attend:"  # "#bc.attend:<meeting uuid>:yes|no"


def _when(meeting: Meeting) -> str:
    local = timezone.localtime(meeting.starts_at, conf.local_zone())
    return date_format(local, "H:i d/m/Y")


@transaction.atomic
def meeting_schedule(
    *,
    actor,
    unit: AdministrativeUnit,
    title: str,
    starts_at: dt.datetime,
    place: str,
    participants,
    remind_minutes_before: int = 60,
) -> Meeting:
    """Schedule a meeting and tell each participant now; a reminder follows `remind_minutes_before` the start."""
    scope = scope_of(actor)
    if not scope.covers_path(unit.path) or not scope.can("meetings.manage"):
        raise NotPermitted()
    if not title.strip() or not place.strip():
        raise ApplicationError(_("A meeting needs a title and a place."), code="bad_meeting")
    if starts_at <= timezone.now():
        raise ApplicationError(_("The meeting must start in the future."), code="bad_time")
    participants = list(participants)
    if not participants:
        raise ApplicationError(_("Invite at least one participant."), code="no_participants")
    meeting = Meeting.objects.create(
        unit=unit,
        title=title.strip(),
        starts_at=starts_at,
        place=place.strip(),
        organizer=actor,
        remind_minutes_before=remind_minutes_before,
        remind_at=starts_at - dt.timedelta(minutes=remind_minutes_before),
    )
    for user in participants:
        MeetingParticipant.objects.create(meeting=meeting, user=user)
        official_notify(
            official=user,
            text=_("Meeting: %(title)s\nTime: %(when)s\nPlace: %(place)s")
            % {"title": meeting.title, "when": _when(meeting), "place": meeting.place},
            key=f"meeting:{meeting.uuid}:invite:{user.pk}",
            buttons=_attend_buttons(meeting),
        )
    audit_record(
        actor=actor,
        action="broadcasts.meeting_schedule",
        target=meeting,
        unit_path=unit.path,
        after={"title": meeting.title, "starts_at": meeting.starts_at.isoformat(), "participants": len(participants)},
    )
    return meeting


def _attend_buttons(meeting: Meeting) -> tuple[Button, ...]:
    return (
        Button(title=_("I will attend"), action="query_hide", value=f"{ATTEND_PAYLOAD}{meeting.uuid}:yes"),
        Button(title=_("I cannot attend"), action="query_hide", value=f"{ATTEND_PAYLOAD}{meeting.uuid}:no"),
    )


@transaction.atomic
def meeting_answer(*, official, meeting: Meeting, attending: bool) -> MeetingParticipant:
    """A participant confirms or declines (a button on the internal OA, or the console)."""
    participant = MeetingParticipant.objects.select_for_update().filter(meeting=meeting, user=official).first()
    if participant is None:
        raise ApplicationError(_("You are not invited to this meeting."), code="not_invited")
    before = participant.attendance
    participant.attendance = Attendance.ATTENDING if attending else Attendance.DECLINED
    participant.answered_at = timezone.now()
    participant.save(update_fields=["attendance", "answered_at"])
    audit_record(
        actor=official,
        action="broadcasts.meeting_answer",
        target=meeting,
        unit_path=meeting.unit.path,
        before={"attendance": before},
        after={"attendance": participant.attendance},
    )
    return participant


@transaction.atomic
def meeting_cancel(*, actor, meeting: Meeting) -> Meeting:
    scope = scope_of(actor)
    if not scope.covers_path(meeting.unit.path) or not scope.can("meetings.manage"):
        raise NotPermitted()
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.cancelled_at is None:
        meeting.cancelled_at = timezone.now()
        meeting.save(update_fields=["cancelled_at"])
        for participant in meeting.participants.select_related("user"):
            official_notify(
                official=participant.user,
                text=_("Cancelled: %(title)s (%(when)s)") % {"title": meeting.title, "when": _when(meeting)},
                key=f"meeting:{meeting.uuid}:cancel:{participant.user_id}",
            )
        audit_record(actor=actor, action="broadcasts.meeting_cancel", target=meeting, unit_path=meeting.unit.path)
    return meeting


def send_meeting_reminders() -> int:
    """Scheduled job (every minute): remind the participants of meetings whose reminder time has come, once.

    Each meeting is claimed under a row lock (skip locked) and marked reminded in the transaction that queues its
    notices, whose keys are per meeting and participant: two schedulers, or a job re-run, never remind twice. A
    reminder whose moment passed long ago (the scheduler was down) is skipped rather than sent late.
    """
    now = timezone.now()
    sent = 0
    due = Meeting.objects.filter(
        reminded_at__isnull=True, cancelled_at__isnull=True, remind_at__lte=now, starts_at__gt=now
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            meeting = (
                Meeting.objects.select_for_update(skip_locked=True).filter(pk=pk, reminded_at__isnull=True).first()
            )
            if meeting is None:
                continue
            meeting.reminded_at = now
            meeting.save(update_fields=["reminded_at"])
            if now - meeting.remind_at > conf.meeting_reminder_window():
                continue
            for participant in meeting.participants.select_related("user").exclude(attendance=Attendance.DECLINED):
                official_notify(
                    official=participant.user,
                    text=_("Reminder: %(title)s at %(when)s, %(place)s")
                    % {"title": meeting.title, "when": _when(meeting), "place": meeting.place},
                    key=f"meeting:{meeting.uuid}:remind:{participant.user_id}",
                    buttons=_attend_buttons(meeting) if participant.attendance == Attendance.PENDING else (),
                )
                sent += 1
    return sent


def officials_in(unit: AdministrativeUnit):
    """Officials with an active membership in the unit's subtree (the participants picker)."""
    return (
        get_user_model()
        .objects.filter(memberships__is_active=True, memberships__unit__path__startswith=unit.path, is_active=True)
        .distinct()
        .order_by("username")
    )
