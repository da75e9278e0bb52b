"""Background work of broadcasts (django-tasks, queue "bulk")."""

from django_tasks import task

from .services.fanout import fanout_run


@task(queue_name="bulk")
def broadcast_fanout_task(broadcast_id: int) -> int:
    """Fan a broadcast out to the outbox; safe to run twice or after a crash (see services/fanout.py)."""
    return fanout_run(broadcast_id=broadcast_id)
