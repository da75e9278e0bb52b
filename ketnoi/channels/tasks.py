"""Jobs around the inbound queue (ketnoi.channels.inbound_queue holds the processing itself)."""

from django_tasks import task

from .inbound_queue import process_event
from .models import ChannelEvent


@task(queue_name="inbound")
def process_channel_event(event_id: int) -> str:
    """Process one event by id. New events are claimed by `manage.py run_inbound` without a task row; this task
    remains so task rows queued before that (and callers that want one event now) still work. Idempotent."""
    return process_event(event_id)


def retry_failed_events(*, max_attempts: int = 5) -> int:
    """For the scheduler: put failed events back in the inbound queue (a handler's bug fixed, a database hiccup
    passed), at most max_attempts processings each. The claimers pick them up like new events."""
    return ChannelEvent.objects.filter(status=ChannelEvent.Status.FAILED, attempts__lt=max_attempts).update(
        status=ChannelEvent.Status.PENDING
    )
