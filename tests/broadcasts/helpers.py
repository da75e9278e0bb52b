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
