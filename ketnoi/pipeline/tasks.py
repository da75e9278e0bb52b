"""The inbound pipeline as a task, for one event now (claimer.process_event)."""

from django_tasks import task

from .claimer import process_event


@task(queue_name="inbound")
def process_channel_event(event_id: int) -> str:
    """Process one event by id. New events are claimed by `manage.py run_inbound` without a task row; this task is
    for callers that want one event now. Idempotent."""
    return process_event(event_id)
