"""Jobs around the inbound queue (ketnoi.pipeline.claimer holds the processing itself)."""

from .models import ChannelEvent


def retry_failed_events(*, max_attempts: int = 5) -> int:
    """For the scheduler: put failed events back in the inbound queue (a step's bug fixed, a database hiccup
    passed), at most max_attempts processings each. The claimers pick them up like new events."""
    return ChannelEvent.objects.filter(status=ChannelEvent.Status.FAILED, attempts__lt=max_attempts).update(
        status=ChannelEvent.Status.PENDING
    )
