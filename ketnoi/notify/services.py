"""Writes of the notifications API: services, keys, templates (console) and notifications (API).

Every function is keyword-only and one transaction; the console's writes leave an audit row. A notification and
the outbox row that carries it are written together, so it is sent if and only if the API call is committed."""

import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.channels.models import Channel
from ketnoi.core.actor import as_actor
from ketnoi.core.audit import audit_record
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.core.phones import InvalidPhoneNumber, normalize_phone
from ketnoi.core.sql import insert_new_rows, prepared_cursor
from ketnoi.core.urls import clean_http_url
from ketnoi.orgs.models import Agency
from ketnoi.orgs.scoping import scope_of
from ketnoi.outbox.models import Lane
from ketnoi.outbox.services import outbox_enqueue_many, outbox_message

from . import delivery, placeholders
from .callbacks import callback_for
from .models import (
    ApiKey,
    DailyCount,
    KeyKind,
    Notification,
    NotificationStatus,
    SendingService,
    Template,
    TemplateVersion,
    Via,
    hash_key,
)

CAPABILITY = "notify.manage"
MAX_BATCH = 1000


def _check(actor, unit_path: str) -> None:
    """An official needs notify.manage over the unit; None is the installation itself (commands, the demo)."""
    if actor is None:
        return
    scope = scope_of(actor)
    if not (scope.can(CAPABILITY) and scope.narrowed(CAPABILITY).covers_path(unit_path)):
        raise NotPermitted()


def _phones(values: list[str]) -> list[str]:
    phones = []
    for raw in values:
        if not str(raw).strip():
            continue
        try:
            phones.append(normalize_phone(str(raw)))
        except InvalidPhoneNumber as exc:
            raise ApplicationError(str(exc), code="invalid_phone") from exc
    return sorted(set(phones))


def _channels_of(unit_path: str, channels: list[Channel], sms_channel: Channel | None) -> None:
    for channel in channels:
        if channel.type_code != "zalo" or not unit_path.startswith(channel.unit.path):
            raise ApplicationError(_("%(name)s is not an OA this agency may use.") % {"name": channel.name})
    if sms_channel is not None and (sms_channel.type_code != "sms" or not unit_path.startswith(sms_channel.unit.path)):
        raise ApplicationError(_("%(name)s is not an SMS gateway this agency may use.") % {"name": sms_channel.name})


@transaction.atomic
def service_save(
    *,
    actor,
    agency: Agency,
    name: str,
    channels: list[Channel],
    sms_channel: Channel | None = None,
    daily_limit: int = 10000,
    member_phones: list[str] | None = None,
    callback_url: str = "",
    subscribed_events: list[str] | None = None,
    service: SendingService | None = None,
) -> SendingService:
    """Register a sending service, or change one. The OAs and SMS gateway must be the agency's unit's or an
    ancestor's (the province's OA serves every commune)."""
    _check(actor, agency.unit.path)
    if service is not None:
        _check(actor, service.unit.path)
    name = name.strip()
    if not name:
        raise ApplicationError(_("A service needs a name."))
    _channels_of(agency.unit.path, channels, sms_channel)
    events = sorted(set(subscribed_events or []))
    if set(events) - {"dossier", "petition"}:
        raise ApplicationError(_("Events to subscribe to: dossier, petition."))
    before = None
    if service is None:
        service = SendingService(agency=agency, unit=agency.unit)
        service.set_callback_secret(secrets.token_urlsafe(32))
    else:
        before = {"name": service.name, "daily_limit": service.daily_limit, "callback_url": service.callback_url}
    service.agency, service.unit, service.name = agency, agency.unit, name
    service.sms_channel, service.daily_limit = sms_channel, max(0, int(daily_limit))
    service.member_phones = _phones(member_phones or [])
    service.callback_url = clean_http_url(callback_url) if callback_url.strip() else ""
    service.subscribed_events = events
    service.save()
    service.channels.set(channels)
    audit_record(
        actor=actor,
        action="notify.service_save",
        target=service,
        unit_path=service.unit.path,
        before=before,
        after={"name": name, "daily_limit": service.daily_limit, "callback_url": service.callback_url,
               "channels": [c.name for c in channels], "members": len(service.member_phones)},
    )  # fmt: skip
    return service


@transaction.atomic
def callback_secret_rotate(*, actor, service: SendingService) -> str:
    """A new signing secret, shown once to the official who asked."""
    _check(actor, service.unit.path)
    secret = secrets.token_urlsafe(32)
    service.set_callback_secret(secret)
    service.save(update_fields=["callback_secret_encrypted"])
    audit_record(actor=actor, action="notify.callback_secret_rotate", target=service, unit_path=service.unit.path)
    return secret


@transaction.atomic
def api_key_create(*, actor, service: SendingService, name: str, kind: str) -> tuple[ApiKey, str]:
    """Returns the key and its secret: shown once, only its hash is kept."""
    _check(actor, service.unit.path)
    if kind not in KeyKind.values:
        raise ApplicationError(_("A key is test, team or live."))
    secret = ApiKey.new_secret(kind)
    key = ApiKey.objects.create(
        service=service,
        name=name.strip() or kind,
        kind=kind,
        key_hash=hash_key(secret),
        key_hint=secret[: len(f"kn_notify_{kind}_") + 4],
        created_by=as_actor(actor).user,
    )
    audit_record(
        actor=actor,
        action="notify.api_key_create",
        target=key,
        unit_path=service.unit.path,
        after={"service": service.name, "name": key.name, "kind": kind, "hint": key.key_hint},
    )
    return key, secret


@transaction.atomic
def api_key_revoke(*, actor, key: ApiKey) -> ApiKey:
    _check(actor, key.service.unit.path)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="notify.api_key_revoke", target=key, unit_path=key.service.unit.path,
                     after={"name": key.name, "hint": key.key_hint})  # fmt: skip
    return key


@transaction.atomic
def template_save(
    *,
    actor,
    service: SendingService,
    name: str,
    text: str,
    zbs_template_id: str = "",
    zbs_params: dict[str, str] | None = None,
    sms_text: str = "",
    template: Template | None = None,
) -> Template:
    """A new template, or a new version of one (the old versions are kept: sent messages name theirs)."""
    _check(actor, service.unit.path)
    if not name.strip() or not text.strip():
        raise ApplicationError(_("A template needs a name and a message text."))
    params = {str(k).strip(): str(v).strip() for k, v in (zbs_params or {}).items() if str(k).strip()}
    if zbs_template_id.strip() and not params:
        raise ApplicationError(_("A ZNS/ZBS template needs its parameters mapped."))
    if any(not v for v in params.values()):
        raise ApplicationError(_("Every ZNS/ZBS parameter needs a value or a ((placeholder))."))
    if template is None:
        template = Template.objects.create(service=service, name=name.strip())
    elif template.service_id != service.pk:
        raise NotPermitted()
    template = Template.objects.select_for_update().get(pk=template.pk)
    template.name = name.strip()
    template.version += 1
    template.save(update_fields=["name", "version"])
    version = TemplateVersion.objects.create(
        template=template,
        version=template.version,
        text=text.strip(),
        zbs_template_id=zbs_template_id.strip(),
        zbs_params=params,
        sms_text=sms_text.strip(),
        created_by=as_actor(actor).user,
    )
    audit_record(
        actor=actor,
        action="notify.template_save",
        target=template,
        unit_path=service.unit.path,
        after={"name": template.name, "version": version.version,
               "placeholders": placeholders.names_in(version.text, version.sms_text, *params.values())},
    )  # fmt: skip
    return template


# --- notifications ------------------------------------------------------------------------------------------------


@dataclass
class Request:
    """One notification as the API received it."""

    template_id: str
    phone: str = ""
    zalo_user_id: str = ""
    oa_id: str = ""
    personalisation: dict[str, Any] | None = None
    reference: str = ""
    idempotency_key: str = ""


@dataclass
class Outcome:
    index: int
    notification: Notification | None = None
    created: bool = False
    code: str = ""
    message: str = ""
    extra: dict | None = None


def notification_send(*, api_key: ApiKey, request: Request) -> tuple[Notification, bool]:
    """One notification: the notification and whether it is new (False: the idempotency key's earlier one).
    Refusals raise ApplicationError."""
    (outcome,) = notifications_send(api_key=api_key, requests=[request])
    if outcome.notification is None:
        raise ApplicationError(outcome.message, code=outcome.code, extra=outcome.extra)
    return outcome.notification, outcome.created


def notifications_send(*, api_key: ApiKey, requests: list[Request]) -> list[Outcome]:
    """Many notifications in one transaction, one outcome each (refused items say why and take nothing with them).
    The daily limit counts the whole call: over it, every new item is refused."""
    if len(requests) > MAX_BATCH:
        raise ApplicationError(
            f"A call carries at most {MAX_BATCH:,} notifications; this one has {len(requests):,}.",
            code="batch_too_large",
        )
    service = api_key.service
    try:
        return _send(service=service, api_key=api_key, requests=requests)
    except _KeyTakenMeanwhile:
        # Another call with the same idempotency key committed between this call's plan and its write: the whole
        # transaction (its outbox rows and daily count too) was undone; planned again, theirs is the notification.
        return _send(service=service, api_key=api_key, requests=requests)


class _KeyTakenMeanwhile(IntegrityError):
    """A notification met an idempotency key written since the call planned (INSERT ... ON CONFLICT DO NOTHING)."""


def _send(*, service: SendingService, api_key: ApiKey, requests: list[Request]) -> list[Outcome]:
    with transaction.atomic():
        outcomes, planned = delivery.plan(service=service, api_key=api_key, requests=requests)
        _notifications_write(service=service, api_key=api_key, planned=planned)
        if planned and api_key.kind != KeyKind.TEST:
            # Last before the commit: the service's row of the day is locked from here to the commit, and every
            # call of the service waits for it (counted first, eight calls in flight spent 22 ms each waiting).
            daily_count_add(service=service, adding=len(planned))
        for plan in planned:
            outcomes[plan.index].notification = plan.notification
            outcomes[plan.index].created = True
            if plan.notification.status != NotificationStatus.CREATED:  # test keys: "delivered" at once
                callback_for(plan.notification)
    return outcomes


DAILY_COUNT_SQL = (
    f'UPDATE {DailyCount._meta.db_table} SET "count" = "count" + %s '  # noqa: S608 - the model's table, values as parameters
    'WHERE "service_id" = %s AND "day" = %s AND "count" <= %s'
)


def daily_count_add(*, service: SendingService, adding: int) -> None:
    """Count `adding` more for today, in the caller's transaction (a refused or failed call takes its count back
    with it), or refuse them all when the service's daily limit would be passed."""
    today = timezone.localdate()
    ceiling = service.daily_limit - adding
    for _attempt in range(5):
        with prepared_cursor() as cursor:  # raw: the ORM took longer to compile this UPDATE than PostgreSQL to run it
            day = connection.ops.adapt_datefield_value(today)
            cursor.execute(DAILY_COUNT_SQL, [adding, service.pk, day, max(ceiling, -1)])
            counted = cursor.rowcount
        if counted:
            return
        row = DailyCount.objects.filter(service=service, day=today).first()
        if row is None:  # the day's first call (another may be making the row at this moment)
            with transaction.atomic():
                DailyCount.objects.bulk_create([DailyCount(service=service, day=today)], ignore_conflicts=True)
        elif row.count > ceiling:
            raise ApplicationError(
                f"The service's daily limit is {service.daily_limit:,} messages; {row.count:,} were sent today.",
                code="daily_limit_reached",
            )
        # else the row was committed by another call between the UPDATE and the read: count again
    raise ApplicationError("The daily count is busy; send again.", code="daily_limit_reached")


def _notifications_write(*, service: SendingService, api_key: ApiKey, planned: list[delivery.Plan]) -> None:
    """The notifications and their outbox rows: one INSERT for each table (per thousand rows), in the caller's
    transaction (_send). Not audited: the notification rows are the record, as the chat's step log is."""
    if not planned:
        return
    now = timezone.now()
    test = api_key.kind == KeyKind.TEST
    notifications, messages = [], []
    for plan in planned:
        notification = Notification(
            service=service,
            api_key=api_key if api_key.pk else None,
            key_kind=api_key.kind,
            template_version=plan.version,
            recipient_phone=plan.phone,
            recipient_user_id=plan.user_id,
            channel=plan.channel,
            reference=plan.reference,
            idempotency_key=plan.idempotency_key,
            body=plan.body,
            created_at=now,
            updated_at=now,
        )
        if test:
            notification.status, notification.via, notification.delivered_at = (
                NotificationStatus.DELIVERED, Via.TEST, now)  # fmt: skip
        else:
            message = outbox_message(
                channel=plan.channel,
                payload=plan.payload,
                idempotency_key=f"notify:{notification.uuid}",
                lane=Lane.TRANSACTIONAL,
                channel_contact=plan.contact,
                recipient_user_id=plan.user_id,
                recipient_phone=plan.phone,
                source_type="notify",
                source_id=str(notification.uuid),
                fallback=plan.fallback or None,
            )
            messages.append(message)
            notification.message = message
        plan.notification = notification
        notifications.append(notification)
    if messages:
        outbox_enqueue_many(messages=messages)
        for notification in notifications:
            notification.message_id = notification.message.pk
    # One INSERT ... ON CONFLICT DO NOTHING per thousand (the ORM's bulk_create took a fifth of a call's CPU to
    # compile, and a savepoint pair around it to catch the idempotency key's race): a row left out met a key
    # committed since the plan, and the caller undoes the call and plans it again.
    if len(insert_new_rows(notifications, key="uuid")) < len(notifications):
        raise _KeyTakenMeanwhile()


def test_send(*, actor, service: SendingService, template: Template, phone: str, personalisation: dict) -> Notification:
    """The console's "send a test message": through the service's own test key path (nothing leaves), so the
    official sees the message as the phone would show it and the callback the integrator would get."""
    _check(actor, service.unit.path)
    key = ApiKey(service=service, kind=KeyKind.TEST, name="console")
    request = Request(template_id=str(template.uuid), phone=phone, personalisation=personalisation,
                      reference="console-test")  # fmt: skip
    notification, _created = notification_send(api_key=key, request=request)
    audit_record(actor=actor, action="notify.test_send", target=notification, unit_path=service.unit.path,
                 after={"template": template.name, "via": Via.TEST})  # fmt: skip
    return notification
