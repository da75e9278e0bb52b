"""Writes to channels: creating them with their credentials encrypted, one audit row each. Secrets never appear in
audit rows, logs or return values."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ketnoi.core.audit import audit_record, snapshot
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.orgs.models import AdministrativeUnit
from ketnoi.orgs.scoping import scope_of

from .models import Channel

CHANNEL_FIELDS = ("name", "type_code", "external_id", "unit", "quota_per_minute", "quota_group", "is_active")
ZALO_TOKEN_LIFETIME = dt.timedelta(hours=25)


def _require_manage(actor, unit: AdministrativeUnit) -> None:
    if actor is not None and not scope_of(actor).narrowed("channels.manage").covers_path(unit.path):
        raise NotPermitted()


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
    channel.save()
    audit_record(
        actor=actor,
        action="channel.create",
        target=channel,
        unit_path=unit.path,
        after=snapshot(channel, CHANNEL_FIELDS),
    )
    channel.channel_type.activate(channel)
    return channel


@transaction.atomic
def webchat_channel_create(*, actor, unit: AdministrativeUnit, name: str) -> Channel:
    _require_manage(actor, unit)
    channel = Channel.objects.create(
        unit=unit, type_code="webchat", name=_required(name, "name"), quota_per_minute=60000
    )
    audit_record(
        actor=actor,
        action="channel.create",
        target=channel,
        unit_path=unit.path,
        after=snapshot(channel, CHANNEL_FIELDS),
    )
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
    if not url.startswith(("https://", "http://")):
        raise ApplicationError("The gateway URL must start with https://.", code="invalid")
    channel = Channel(
        unit=unit,
        type_code="sms",
        name=_required(name, "name"),
        config={"url": url, "sender": sender, "cost_per_message": cost_per_message},
        quota_per_minute=quota_per_minute,
    )
    channel.set_secrets({"api_key": _required(api_key, "API key")})
    channel.save()
    audit_record(
        actor=actor,
        action="channel.create",
        target=channel,
        unit_path=unit.path,
        after=snapshot(channel, CHANNEL_FIELDS),
    )
    return channel


PHONE_TEMPLATE_KEYS = ("otp_template_id", "dossier_template_id", "inbox_template_id", "petition_template_id")
"""The OA's ZBS templates by phone, each registered with Zalo and read by the app that sends it: the one-time code
(conversations.verification), dossier notices (dossiers.notifications), officials' replies (inbox.conf), petition
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
