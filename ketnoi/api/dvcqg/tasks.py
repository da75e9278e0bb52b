"""Background sending of the relay queue (django-tasks, queue "default"); the scheduled job is the safety net."""

from django_tasks import task


@task(queue_name="default")
def relay_pending() -> dict:
    from .relay import relay_due

    return relay_due()


def relay_job() -> dict:
    """settings.SCHEDULED_JOBS entry: retries whose backoff has passed, and anything a lost task left behind."""
    from .relay import relay_due

    return relay_due()
