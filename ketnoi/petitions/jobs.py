"""Scheduled jobs (settings.SCHEDULED_JOBS): deadline reminders and escalations, closing after the reopen period."""

from .services import check_deadlines, close_expired


def deadlines_job() -> int:
    return len(check_deadlines())


def close_expired_job() -> int:
    return close_expired()
