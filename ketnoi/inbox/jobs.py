"""Scheduled jobs of the inbox (settings.SCHEDULED_JOBS)."""

from .services.handoffs import handoffs_close_idle


def close_idle_job() -> int:
    """Close conversations the citizen left unanswered for days, giving them back to the assistant."""
    return handoffs_close_idle()
