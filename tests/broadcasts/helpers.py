"""Building broadcasts in tests through the services, as the console does."""

from ketnoi.broadcasts.services import BroadcastContent, broadcast_approve, broadcast_create, broadcast_submit


def draft(author, unit, channels, **fields):
    content = BroadcastContent(
        title=fields.pop("title", "Thông báo"), text=fields.pop("text", "Nội dung"), channels=list(channels), **fields
    )
    return broadcast_create(actor=author, unit=unit, content=content)


def approved(author, approver, unit, channels, **fields):
    broadcast = draft(author, unit, channels, **fields)
    broadcast_submit(actor=author, broadcast=broadcast)
    return broadcast_approve(actor=approver, broadcast=broadcast)


def sent(author, approver, unit, channels, **fields):
    """A broadcast that went out: fanned out, every message delivered, so it is sent (and published)."""
    from ketnoi.broadcasts.services import broadcast_finish_if_done, fanout_run
    from ketnoi.outbox.models import OutboundMessage

    broadcast = approved(author, approver, unit, channels, **fields)
    fanout_run(broadcast_id=broadcast.pk)
    OutboundMessage.objects.filter(source_type="broadcast", source_id=str(broadcast.pk)).update(status="delivered")
    broadcast_finish_if_done(broadcast=broadcast)
    broadcast.refresh_from_db()
    return broadcast
