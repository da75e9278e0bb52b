"""Background work of the notifications API (django-tasks on commit; the scheduled jobs are the safety net)."""

from django_tasks import task


@task(queue_name="default")
def send_callbacks() -> dict:
    from .callbacks import send_due

    return send_due()


def callbacks_job() -> dict:
    """settings.SCHEDULED_JOBS notify.callbacks: retries whose backoff has passed, anything a lost task left."""
    from .callbacks import send_due

    return send_due()


def track_job() -> int:
    """settings.SCHEDULED_JOBS notify.track: statuses the dispatcher decided (sent, failed, fallback steps)."""
    from .tracking import track_unfinished

    return track_unfinished()


def events_job() -> int:
    """settings.SCHEDULED_JOBS notify.events: dossier and petition events to the services that subscribe."""
    from .events import events_relay

    return events_relay()
