"""The welcome a person gets when they follow an official account (scanning the desk or receipt QR included).

Following opens the provider's free 48-hour window, so the welcome costs nothing. The text is per channel
(Channel.config["welcome_text"]) with a default naming the account; its buttons open the portal's lookup and
procedure pages. The full menu and flows come with the conversation engine.
"""

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import Button, InboundEvent, OutboundPayload
from ketnoi.contacts.models import ChannelContact
from ketnoi.outbox.models import Lane
from ketnoi.outbox.services import outbox_enqueue


def _link(url_name: str) -> str | None:
    try:
        return settings.PUBLIC_BASE_URL + reverse(url_name)
    except NoReverseMatch:
        return None


def welcome_payload(channel: Channel, language: str = "vi") -> OutboundPayload:
    with translation.override(language):
        text = channel.config.get("welcome_text") or _(
            "Welcome to %(name)s. Here you can follow your dossiers, find administrative procedures and send us "
            "your questions."
        ) % {"name": channel.name}
        buttons = []
        for title, url_name in ((_("Look up a dossier"), "portal:lookup"), (_("Procedures"), "portal:procedure_list")):
            url = _link(url_name)
            if url:
                buttons.append(Button(title=title, action="url", value=url))
    if buttons and channel.channel_type.supports_buttons:
        return OutboundPayload(kind="buttons", text=text, buttons=tuple(buttons))
    return OutboundPayload(kind="text", text=text)


def welcome_on_follow(channel: Channel, event: InboundEvent) -> None:
    """Runs inside the event's transaction: the welcome is queued if and only if the follow is recorded."""
    follower = ChannelContact.objects.filter(channel=channel, user_id=event.user_id).select_related("contact").first()
    if follower is None:
        return
    outbox_enqueue(
        channel=channel,
        channel_contact=follower,
        payload=welcome_payload(channel, follower.contact.language or "vi"),
        idempotency_key=f"welcome:{channel.pk}:{event.dedup_key}"[:100],
        lane=Lane.TRANSACTIONAL,
        source_type="follow",
        source_id=event.user_id,
    )
