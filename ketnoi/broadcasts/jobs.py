"""Entry points of the scheduled jobs (settings.SCHEDULED_JOBS), each safe to run twice or concurrently."""

from .services.approval import finish_sent_broadcasts, start_due_broadcasts
from .services.fanout import night_hold, resume_stalled_fanouts
from .services.meetings import send_meeting_reminders

__all__ = [
    "finish_sent_broadcasts",
    "night_hold",
    "resume_stalled_fanouts",
    "send_meeting_reminders",
    "start_due_broadcasts",
]
