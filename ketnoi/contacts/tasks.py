"""Background work on contacts."""

import logging

from django_tasks import task

from ketnoi.channels.types.base import SendError

from . import services
from .models import ChannelContact

logger = logging.getLogger(__name__)


@task(queue_name="inbound")
def refresh_contact_profile(channel_contact_id: int) -> str:
    """Fetch a person's display name, tags and shared info from the provider (after a follow or first message)."""
    channel_contact = ChannelContact.objects.select_related("channel").filter(pk=channel_contact_id).first()
    if channel_contact is None:
        return "gone"
    try:
        services.follower_sync(channel_contact=channel_contact)
    except SendError as exc:
        logger.warning("Profile of channel contact %s not fetched: %s (%s)", channel_contact_id, exc.message, exc.kind)
        return f"failed: {exc.kind}"
    return "ok"
