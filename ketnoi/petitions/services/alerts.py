"""Reminders before a stage's deadline and escalations after it, each fired once per (petition, kind, cycle).

Reminders go to the assignee and the handling officers of the owner agency; escalations to the agency's leaders
and to the provincial monitors (leaders of the province unit with no agency). Both are delivered through the
officials' internal channel (broadcasts.services.official_notify: a console notice, plus a message on the
internal OA for officials who linked it) and listed on the petition and in the petition queue.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.broadcasts.services import official_notify
from ketnoi.orgs.models import PROVINCE_KINDS, Agency, Membership
from ketnoi.orgs.roles import Role, roles_with

from ..deadlines import STAGE_NAMES, STAGES, due_of, remind_days, working_days_left
from ..models import DeadlineAlert, EventKind, Petition
from ..states import ANSWER_CLOCK_STATES, DECISION_STATES, State
from .common import record_event


def stage_open(petition: Petition, stage: str) -> bool:
    """Whether the stage still has to happen (its clock runs)."""
    if stage == "forward":
        return petition.state == State.RECEIVED
    if stage == "acknowledge":
        return petition.state in DECISION_STATES
    if stage == "answer":
        return petition.state in ANSWER_CLOCK_STATES
    return (
        petition.publish_due is not None
        and petition.published_at is None
        and petition.state
        in (
            State.ANSWERED,
            State.CLOSED,
        )
    )


def _agency_chain(agency: Agency) -> list[int]:
    ids, current = [], agency
    while current is not None:
        ids.append(current.pk)
        current = current.parent
    return ids


def handling_officers(petition: Petition) -> list:
    """The assignee and the owner agency's officers who handle petitions."""
    users = get_user_model().objects.filter(
        memberships__is_active=True,
        memberships__agency=petition.owner_agency,
        memberships__role__in=roles_with("petitions.handle"),
        is_active=True,
    )
    found = {u.pk: u for u in users}
    if petition.assignee_id and petition.assignee.is_active:
        found[petition.assignee_id] = petition.assignee
    return list(found.values())


def leaders_and_monitors(petition: Petition) -> list:
    """The agency's leaders (of the agency or a parent agency, else leaders of the agency's unit) and the
    provincial monitors."""
    agency = petition.owner_agency
    memberships = Membership.objects.filter(is_active=True, role=Role.LEADER, user__is_active=True)
    leaders = memberships.filter(agency_id__in=_agency_chain(agency))
    if not leaders.exists():
        leaders = memberships.filter(agency__isnull=True, unit=agency.unit)
    monitors = memberships.filter(agency__isnull=True, unit__kind__in=PROVINCE_KINDS)
    found = {}
    for membership in (leaders | monitors).select_related("user"):
        found[membership.user_id] = membership.user
    return list(found.values())


def _text(petition: Petition, stage: str, escalation: bool, due: dt.date) -> str:
    values = {
        "code": petition.tracking_code,
        "subject": petition.subject[:80],
        "stage": STAGE_NAMES[stage],
        "agency": petition.owner_agency.name,
        "due": due.strftime("%d/%m/%Y"),
    }
    if escalation:
        return _("Overdue: the %(stage)s of petition %(code)s (%(subject)s) at %(agency)s was due on %(due)s.") % values
    return _("Reminder: the %(stage)s of petition %(code)s (%(subject)s) is due on %(due)s.") % values


@transaction.atomic
def fire_alert(*, petition: Petition, stage: str, escalation: bool, due: dt.date) -> DeadlineAlert | None:
    """Record the alert once and tell the recipients; None when it had already fired."""
    kind = f"{stage}_{'escalation' if escalation else 'reminder'}"
    try:
        with transaction.atomic():
            alert = DeadlineAlert.objects.create(petition=petition, kind=kind, cycle=petition.cycle, due_date=due)
    except IntegrityError:
        return None
    recipients = leaders_and_monitors(petition) if escalation else handling_officers(petition)
    text = _text(petition, stage, escalation, due)
    url = reverse("console:petition_detail", kwargs={"uuid": petition.uuid})
    for official in recipients:
        official_notify(
            official=official,
            text=text,
            key=f"petition:{petition.uuid.hex}:{kind}:{petition.cycle}:{official.pk}",
            url=url,
        )
    alert.recipients = sorted(u.get_username() for u in recipients)
    alert.save(update_fields=["recipients"])
    record_event(
        petition=petition,
        kind=EventKind.ESCALATION if escalation else EventKind.REMINDER,
        note=text,
        data={"kind": kind, "recipients": alert.recipients},
    )
    return alert


def check_deadlines(today: dt.date | None = None) -> list[DeadlineAlert]:
    """Scheduled: every open stage due within the reminder lead gets its reminder, every overdue one its
    escalation. Safe to run as often as wanted: each alert fires once."""
    today = today or timezone.localdate()
    fired = []
    lead = remind_days()
    # only petitions with a clock still running: closed ones matter only while a publication is pending
    running = Q(state__in=ANSWER_CLOCK_STATES) | Q(publish_due__isnull=False, published_at__isnull=True)
    petitions = (
        Petition.objects.filter(running)
        .exclude(state__in=[State.REFUSED, State.MERGED])
        .select_related("owner_agency", "assignee", "category")
    )
    for petition in petitions.iterator(chunk_size=500):
        for stage in STAGES:
            due = due_of(petition, stage)
            if due is None or not stage_open(petition, stage):
                continue
            left = working_days_left(due, today)
            if due < today:
                alert = fire_alert(petition=petition, stage=stage, escalation=True, due=due)
            elif left <= lead:
                alert = fire_alert(petition=petition, stage=stage, escalation=False, due=due)
            else:
                continue
            if alert is not None:
                fired.append(alert)
    return fired
