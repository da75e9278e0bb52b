"""Writes to channels: creating them with their credentials encrypted, one audit row each. Secrets never appear in
audit rows, logs or return values."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from ketnoi.core.actor import as_actor
from ketnoi.core.audit import audit_record, snapshot
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.core.urls import is_http_url
from ketnoi.orgs.models import AdministrativeUnit
from ketnoi.orgs.scoping import scope_of

from .models import Channel, ZaloConnection

CHANNEL_FIELDS = ("name", "type_code", "external_id", "unit", "quota_per_minute", "quota_group", "is_active")
ZALO_TOKEN_LIFETIME = dt.timedelta(hours=25)


def _require_manage(actor, unit: AdministrativeUnit) -> None:
    if actor is not None and not scope_of(actor).narrowed("channels.manage").covers_path(unit.path):
        raise NotPermitted()


def _save_new(actor, channel: Channel) -> None:
    """A new channel of any type is saved and audited the same way (its secrets never in the audit row)."""
    channel.save()
    audit_record(
        actor=actor,
        action="channel.create",
        target=channel,
        unit_path=channel.unit.path,
        after=snapshot(channel, CHANNEL_FIELDS),
    )


def webhook_url(channel: Channel) -> str:
    path = reverse("channels:receive", kwargs={"type_code": channel.type_code, "uuid": channel.uuid})
    return settings.PUBLIC_BASE_URL + path


def _digits(value: str, label: str) -> str:
    value = (value or "").strip()
    if not value.isdigit():
        raise ApplicationError(f"The {label} is a number (keep it as text: it has 18-19 digits).", code="invalid")
    return value


def _required(value: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ApplicationError(f"The {label} is required.", code="invalid")
    return value


@transaction.atomic
def zalo_channel_create(
    *,
    actor,
    unit: AdministrativeUnit,
    name: str,
    oa_id: str,
    app_id: str,
    app_secret: str,
    oa_secret_key: str,
    access_token: str,
    refresh_token: str,
    quota_per_minute: int = 4000,
    token_expires_at: dt.datetime | None = None,
) -> Channel:
    """A Zalo OA channel. Channels of one app share the app's 4,000 calls a minute (quota_group = app id)."""
    _require_manage(actor, unit)
    oa_id, app_id = _digits(oa_id, "OA id"), _digits(app_id, "app id")
    if Channel.objects.filter(type_code="zalo", external_id=oa_id, is_active=True).exists():
        raise ApplicationError("This OA is already connected.", code="duplicate")
    if quota_per_minute < 1:
        raise ApplicationError("The quota must be at least one call a minute.", code="invalid")
    channel = Channel(
        unit=unit,
        type_code="zalo",
        name=_required(name, "name"),
        external_id=oa_id,
        config={"app_id": app_id},
        quota_per_minute=quota_per_minute,
        quota_group=app_id,
        token_expires_at=token_expires_at or timezone.now() + ZALO_TOKEN_LIFETIME,
    )
    channel.set_secrets(
        {
            "app_secret": _required(app_secret, "app secret"),
            "oa_secret_key": _required(oa_secret_key, "OA secret key"),
            "access_token": _required(access_token, "access token"),
            "refresh_token": _required(refresh_token, "refresh token"),
        }
    )
    _save_new(actor, channel)
    channel.channel_type.activate(channel)
    return channel


@transaction.atomic
def webchat_channel_create(*, actor, unit: AdministrativeUnit, name: str) -> Channel:
    _require_manage(actor, unit)
    channel = Channel(unit=unit, type_code="webchat", name=_required(name, "name"), quota_per_minute=60000)
    _save_new(actor, channel)
    return channel


@transaction.atomic
def sms_channel_create(
    *,
    actor,
    unit: AdministrativeUnit,
    name: str,
    url: str,
    api_key: str,
    sender: str = "",
    cost_per_message: int = 0,
    quota_per_minute: int = 600,
) -> Channel:
    """A generic HTTP SMS gateway (the last step of the outbox's fallback chain)."""
    _require_manage(actor, unit)
    if not is_http_url(url):
        raise ApplicationError("The gateway URL must start with https://.", code="invalid")
    channel = Channel(
        unit=unit,
        type_code="sms",
        name=_required(name, "name"),
        config={"url": url, "sender": sender, "cost_per_message": cost_per_message},
        quota_per_minute=quota_per_minute,
    )
    channel.set_secrets({"api_key": _required(api_key, "API key")})
    _save_new(actor, channel)
    return channel


@transaction.atomic
def messenger_channel_create(
    *,
    actor,
    unit: AdministrativeUnit,
    name: str,
    page_id: str,
    page_access_token: str,
    app_secret: str,
    verify_token: str = "",
    quota_per_minute: int = 6000,
) -> Channel:
    """A Facebook page as a Messenger channel: the page access token (sends), the app secret (signs webhooks) and
    the verify token (Facebook's subscription handshake; one is made up when none is given), stored encrypted.
    The page's webhook, subscribed to ChannelType.webhook_events, is the channel's webhook URL."""
    _require_manage(actor, unit)
    page_id = _digits(page_id, "page id")
    if Channel.objects.filter(type_code="messenger", external_id=page_id, is_active=True).exists():
        raise ApplicationError(gettext("This page is already connected."), code="duplicate")
    if quota_per_minute < 1:
        raise ApplicationError("The quota must be at least one call a minute.", code="invalid")
    channel = Channel(
        unit=unit,
        type_code="messenger",
        name=_required(name, "name"),
        external_id=page_id,
        quota_per_minute=quota_per_minute,
    )
    channel.set_secrets(
        {
            "page_access_token": _required(page_access_token, "page access token"),
            "app_secret": _required(app_secret, "app secret"),
            "verify_token": (verify_token or "").strip() or secrets.token_urlsafe(24),
        }
    )
    _save_new(actor, channel)
    return channel


PHONE_TEMPLATE_KEYS = ("otp_template_id", "dossier_template_id", "inbox_template_id", "petition_template_id")
"""The OA's ZBS templates by phone, each registered with Zalo and read by the app that sends it: the one-time code
(conversations.services.verification), dossier notices (dossiers.notifications), officials' replies (inbox.conf), petition
notices (petitions.notify). An empty id turns that fallback off (settings give a province-wide default)."""


@transaction.atomic
def channel_set_phone_templates(*, actor, channel: Channel, templates: dict[str, str]) -> Channel:
    """Set the ids of the channel's ZBS templates by phone (keys in PHONE_TEMPLATE_KEYS). Audited."""
    unknown = sorted(set(templates) - set(PHONE_TEMPLATE_KEYS))
    if unknown:
        raise ApplicationError(f"Unknown template settings: {', '.join(unknown)}.", code="invalid")
    _require_manage(actor, channel.unit)
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    config = dict(channel.config or {})
    before = {key: config.get(key, "") for key in PHONE_TEMPLATE_KEYS}
    for key, value in templates.items():
        value = (value or "").strip()
        if value:
            config[key] = value[:64]
        else:
            config.pop(key, None)
    if config == (channel.config or {}):
        return channel
    channel.config = config
    channel.save(update_fields=["config"])
    audit_record(
        actor=actor,
        action="channel.phone_templates",
        target=channel,
        unit_path=channel.unit.path,
        before=before,
        after={key: config.get(key, "") for key in PHONE_TEMPLATE_KEYS},
    )
    return channel


# -- connecting an OA through Zalo's permission page (issue 18) -------------------------------------------------

CONNECTION_LIFETIME = dt.timedelta(minutes=30)


def zalo_callback_url() -> str:
    """The "Official Account Callback Url" to save in the Zalo app's settings: Zalo sends the code back here."""
    return settings.PUBLIC_BASE_URL + reverse("console:channel_zalo_callback")


@transaction.atomic
def zalo_connect_start(
    *,
    actor,
    unit: AdministrativeUnit,
    app_id: str,
    app_secret: str,
    oa_secret_key: str,
    name: str = "",
    channel: Channel | None = None,
) -> tuple[ZaloConnection, str]:
    """Begin connecting (or reconnecting `channel`): keep the app's secrets and a PKCE verifier, and return the
    URL of Zalo's OA permission page to send the administrator to."""
    from .types.zalo import connect

    _require_manage(actor, unit)
    app_id = _digits(app_id, "app id")
    if channel is not None:
        app_secret = app_secret or channel.secrets.get("app_secret", "")
        oa_secret_key = oa_secret_key or channel.secrets.get("oa_secret_key", "")
    verifier, challenge = connect.pkce_pair()
    connection = ZaloConnection(
        unit=unit,
        name=name.strip(),
        app_id=app_id,
        state=secrets.token_urlsafe(24),
        channel=channel,
        created_by=as_actor(actor).user,
        expires_at=timezone.now() + CONNECTION_LIFETIME,
    )
    connection.set_secrets(
        {
            "app_secret": _required(app_secret, "app secret"),
            "oa_secret_key": _required(oa_secret_key, "OA secret key"),
            "code_verifier": verifier,
        }
    )
    connection.save()
    audit_record(
        actor=actor,
        action="channel.connect_start",
        target=channel or unit,
        unit_path=unit.path,
        after={"app_id": app_id, "name": connection.name},
    )
    url = connect.permission_url(
        app_id=app_id, redirect_uri=zalo_callback_url(), code_challenge=challenge, state=connection.state
    )
    return connection, url


def zalo_connect_finish(*, actor, state: str, code: str, oa_id: str) -> Channel:
    """Zalo sent the administrator back: exchange the code (outside any transaction: it is an HTTP call), then
    store the channel and its tokens, encrypted, in one transaction with the audit row."""
    from .types.zalo.client import ZaloApiError, ZaloClient, ZaloTransportError

    connection = ZaloConnection.objects.select_related("unit", "channel").filter(state=state).first()
    if connection is None or connection.finished_at is not None or connection.expires_at <= timezone.now():
        raise ApplicationError(gettext("This connection request has expired; start again."), code="expired")
    if connection.created_by_id != as_actor(actor).user_id:
        raise NotPermitted()
    _require_manage(actor, connection.unit)
    if not code:
        raise ApplicationError(gettext("Zalo did not grant the permission."), code="denied")
    oa_id = _digits(oa_id, "OA id")
    if connection.channel is not None and connection.channel.external_id != oa_id:
        raise ApplicationError(gettext("Permission was given for another OA than this channel's."), code="invalid")
    secrets_ = connection.secrets
    try:
        answer = ZaloClient().token_from_code(
            app_id=connection.app_id,
            app_secret=secrets_["app_secret"],
            code=code,
            code_verifier=secrets_["code_verifier"],
        )
    except ZaloApiError as exc:
        raise ApplicationError(
            gettext("Zalo refused the code (%(code)s): %(message)s") % {"code": exc.code, "message": exc},
            code="provider",
        ) from exc
    except ZaloTransportError as exc:
        raise ApplicationError(gettext("Zalo could not be reached; try again."), code="provider") from exc
    name = connection.name
    if not name and connection.channel is None:
        try:
            name = str(
                ZaloClient(access_token=answer["access_token"], app_secret=secrets_["app_secret"])
                .oa_info()
                .get("name", "")
            )
        except (ZaloApiError, ZaloTransportError):
            name = ""
    return _zalo_connect_store(actor=actor, connection=connection, oa_id=oa_id, answer=answer, name=name)


@transaction.atomic
def _zalo_connect_store(*, actor, connection, oa_id: str, answer: dict, name: str) -> Channel:
    from .types.zalo.tokens import store_pair

    connection.finished_at = timezone.now()
    connection.save(update_fields=["finished_at"])
    expires_at = timezone.now() + dt.timedelta(seconds=int(answer["expires_in"]))
    if connection.channel is not None:
        channel = connection.channel
        store_pair(
            channel_pk=channel.pk,
            access_token=answer["access_token"],
            refresh_token=answer["refresh_token"],
            expires_in=int(answer["expires_in"]),
        )
        audit_record(actor=actor, action="channel.reconnect", target=channel, unit_path=channel.unit.path)
        return channel
    secrets_ = connection.secrets
    return zalo_channel_create(
        actor=actor,
        unit=connection.unit,
        name=name or f"Zalo OA {oa_id}",
        oa_id=oa_id,
        app_id=connection.app_id,
        app_secret=secrets_["app_secret"],
        oa_secret_key=secrets_["oa_secret_key"],
        access_token=answer["access_token"],
        refresh_token=answer["refresh_token"],
        token_expires_at=expires_at,
    )


def webhook_test(*, actor, channel: Channel) -> dict:
    """Post a signed test event to the channel's public webhook URL, as the provider would, and report what
    happened: the HTTP answer and whether the event was stored. Audited (no secret in the row)."""
    import httpx

    from .models import ChannelEvent

    _require_manage(actor, channel.unit)
    test_id = secrets.token_hex(8)
    request = channel.channel_type.test_event(channel, test_id=test_id)
    if request is None:
        raise ApplicationError(gettext("This kind of channel has no webhook to test."), code="invalid")
    body, headers = request
    url = webhook_url(channel)
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=10.0)
        status, error = response.status_code, ""
    except httpx.HTTPError as exc:
        status, error = 0, exc.__class__.__name__
    stored = status == 200 and ChannelEvent.objects.filter(channel=channel, raw_body__contains=test_id).exists()
    result = {"url": url, "status": status, "stored": stored, "error": error, "at": timezone.now().isoformat()}
    with transaction.atomic():
        audit_record(
            actor=actor, action="channel.webhook_test", target=channel, unit_path=channel.unit.path, after=result
        )
    return result
