"""Working-day deadlines of each stage, from the province's calendar (ketnoi.core.workdays over CalendarDay).

Defaults are the national targets (models.DEFAULT_DAYS); a category may set its own. The forward, acknowledge
and answer deadlines count from receipt (a reopening restarts the answer clock); publication counts from the
approval of an answer marked for publication. Reminders fire PETITION_REMIND_WORKING_DAYS working days before a
deadline (default 1: on the working day before it); escalations fire on the first day after it.
"""

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ketnoi.core.workdays import add_working_days, working_days_between

from .models import Petition, PetitionCategory

STAGES = ("forward", "acknowledge", "answer", "publish")
STAGE_NAMES = {
    "forward": _("forwarding"),
    "acknowledge": _("acknowledgement"),
    "answer": _("answer"),
    "publish": _("publication"),
}


def intake_deadlines(category: PetitionCategory, received_at: dt.datetime) -> dict[str, dt.date]:
    return {
        "forward_due": add_working_days(received_at, category.forward_days),
        "acknowledge_due": add_working_days(received_at, category.acknowledge_days),
        "answer_due": add_working_days(received_at, category.answer_days),
    }


def answer_deadline(category: PetitionCategory, start: dt.datetime) -> dt.date:
    return add_working_days(start, category.answer_days)


def publish_deadline(category: PetitionCategory, approved_at: dt.datetime) -> dt.date:
    return add_working_days(approved_at, category.publish_days)


def remind_days() -> int:
    return int(getattr(settings, "PETITION_REMIND_WORKING_DAYS", 1))


def due_of(petition: Petition, stage: str) -> dt.date | None:
    return getattr(petition, f"{stage}_due")


def working_days_left(due: dt.date, today: dt.date) -> int:
    """Working days from today to the due date: 0 on the day, negative once it has passed."""
    return working_days_between(today, due)
