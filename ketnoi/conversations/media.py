"""Documents a citizen sends in the chat for a dossier awaiting supplement: fetched from the provider's media host
after the message is committed (no HTTP inside the inbound transaction), then attached through
dossiers.services.dossier_attach_supplement. Only hosts of the providers (settings.CONVERSATION_MEDIA_HOSTS) and
this site are fetched, each on its own port only; at most the attachment size the dossier accepts."""

import logging
from urllib.parse import urlsplit

import httpx
from django_tasks import task

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ketnoi.contacts.models import ChannelContact
from ketnoi.core.errors import ApplicationError
from ketnoi.core.uploads import STORAGE_SCHEME, read_stored
from ketnoi.dossiers.models import EventSource
from ketnoi.dossiers.services.delivery import ATTACHMENT_MAX_BYTES, dossier_attach_supplement

from .dossier_view import dossier_by_uuid
from .engine import Reply, enqueue_replies

logger = logging.getLogger(__name__)
DEFAULT_HOSTS = ("zdn.vn", "zadn.vn", "zalo.me", "zaloapp.com")
WEBCHAT_PREFIX = "webchat/"


DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(entry: str) -> tuple[str, int | None]:
    """'zdn.vn' -> ('zdn.vn', None: the scheme's default port); 'media.example:8443' -> (host, 8443)."""
    host, _sep, port = entry.strip().lower().partition(":")
    return host, int(port) if port.isdigit() else None


def allowed(url: str) -> bool:
    """An http(s) URL on a configured media host (or a subdomain of one) on its configured port, or on this site's
    own host and port (the sandbox serves its media there). Anything else, including another port of an allowed
    host (127.0.0.1:5432, :6379) and URLs carrying credentials, is refused."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return False
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:  # a port out of range or not a number
        return False
    host = parts.hostname.lower()
    own = urlsplit(settings.PUBLIC_BASE_URL)
    if own.hostname and host == own.hostname.lower() and port == (own.port or DEFAULT_PORTS.get(own.scheme)):
        return True
    for entry in getattr(settings, "CONVERSATION_MEDIA_HOSTS", DEFAULT_HOSTS):
        allowed_host, allowed_port = _origin(entry)
        if (host == allowed_host or host.endswith("." + allowed_host)) and port == (
            allowed_port or DEFAULT_PORTS[parts.scheme]
        ):
            return True
    return False


def fetch(url: str) -> tuple[bytes, str]:
    """The file's bytes and content type; ApplicationError when it cannot be fetched or is too large."""
    if url.startswith(STORAGE_SCHEME):  # a web chat upload, already on our storage under its prefix
        return read_stored(url, prefix=WEBCHAT_PREFIX, max_bytes=ATTACHMENT_MAX_BYTES), ""
    if not allowed(url):
        raise ApplicationError(gettext_noop("This file's address is not one we fetch from."), code="media_host")
    try:
        with httpx.stream("GET", url, timeout=20, follow_redirects=False) as response:
            if response.status_code != 200:
                raise ApplicationError(gettext_noop("The file could not be downloaded."), code="media_unavailable")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > ATTACHMENT_MAX_BYTES:
                    raise ApplicationError(gettext_noop("The file is larger than 10 MB."), code="file_too_large")
                chunks.append(chunk)
            content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    except httpx.HTTPError as exc:
        raise ApplicationError(gettext_noop("The file could not be downloaded."), code="media_unavailable") from exc
    return b"".join(chunks), content_type


def schedule_attachment(*, channel_contact: ChannelContact, dossier_uuid: str, url: str, name: str, key: str):
    """Called by the supplement step inside the inbound transaction: the download runs once it commits."""
    channel_contact_id = channel_contact.pk

    def enqueue() -> None:
        attach_from_chat.enqueue(
            channel_contact_id=channel_contact_id, dossier_uuid=dossier_uuid, url=url, name=name, key=key
        )

    transaction.on_commit(enqueue)


@task(queue_name="inbound")
def attach_from_chat(*, channel_contact_id: int, dossier_uuid: str, url: str, name: str, key: str) -> str:
    channel_contact = ChannelContact.objects.select_related("channel", "contact").get(pk=channel_contact_id)
    dossier = dossier_by_uuid(dossier_uuid)
    if dossier is None:
        return "gone"
    try:
        content, _declared = fetch(url)  # what the host declares is not trusted: the service reads the bytes
        with transaction.atomic():
            dossier_attach_supplement(
                dossier=dossier, file=ContentFile(content, name=name), name=name, source=EventSource.CITIZEN
            )
        return "attached"
    except ApplicationError as error:
        logger.info("Chat document for dossier %s not attached: %s", dossier.receipt_code, error.code)
        with translation.override(channel_contact.contact.language or "vi"), transaction.atomic():
            text = _("I could not attach %(name)s: %(reason)s") % {"name": name, "reason": _(error.message)}
            enqueue_replies(channel_contact.channel, channel_contact, [Reply(text=text)], key=f"{key}:failed")
        return error.code
