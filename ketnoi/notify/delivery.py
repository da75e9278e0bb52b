"""How a notification reaches the person, decided once per item and handed to the outbox.

The path, in order (the outbox's fallback chain does the rest, ketnoi/outbox/fallback.py):
  1. The person follows one of the service's OAs (by Zalo user id, or a follower whose phone is the recipient's):
     a consultation message with the template's text. The dispatcher sends it while the OA's window is open;
     outside it the row is "unreachable" and the chain goes on to
  2. the ZNS/ZBS template by phone (the version's template id and parameters), then
  3. SMS with the version's SMS text through the service's SMS gateway.
  A recipient who follows none of the OAs starts at 2 (or at 3 when the template has no ZBS mapping).
Test keys stop before the outbox: nothing is sent, the notification is "delivered" at once.
The plans are written by ketnoi/notify/services.py (the notifications, their outbox rows and the daily count).
"""

import contextlib
import datetime as dt
import functools
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import F

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import OutboundPayload
from ketnoi.contacts.models import ChannelContact, Contact
from ketnoi.core.errors import ApplicationError
from ketnoi.core.phones import InvalidPhoneNumber, normalize_phone
from ketnoi.core.sql import current, prepared_cursor
from ketnoi.outbox.models import OutboundMessage

from . import placeholders
from .models import ApiKey, KeyKind, Notification, SendingService, TemplateVersion

ZALO_TEXT_LIMIT = 2000
SMS_TEXT_LIMIT = 459


@dataclass
class Plan:
    index: int
    version: TemplateVersion
    phone: str
    user_id: str
    contact: ChannelContact | None
    channel: Channel | None
    payload: OutboundPayload
    fallback: dict[str, Any]
    body: str
    reference: str
    idempotency_key: str
    notification: Notification | None = None
    extra: dict = field(default_factory=dict)


class Refused(Exception):
    def __init__(self, code: str, message: str, extra: dict | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.extra = code, message, extra


def _versions(service: SendingService, ids: set[str]) -> dict[str, TemplateVersion]:
    """The version in force of each named template of this service: one query for those this process has not read
    since the service's key was cached (notify.auth: a saved template or service empties that cache)."""
    known: dict[str, TemplateVersion] = service.__dict__.setdefault("_versions_in_force", {})
    valid = set()
    for value in ids:
        try:
            valid.add(str(uuid.UUID(value)))
        except ValueError:
            continue
    missing = valid - set(known)
    if missing:
        rows = TemplateVersion.objects.filter(
            template__service=service,
            template__uuid__in=missing,
            template__is_archived=False,
            version=F("template__version"),
        ).select_related("template")
        known.update({str(v.template.uuid): v for v in rows})
    return {k: known[k] for k in valid if k in known}


def _oas(service: SendingService) -> list[Channel]:
    """The service's active OAs, read once while its key stays cached in this process (notify.auth)."""
    if "_oas" not in service.__dict__:
        service.__dict__["_oas"] = sorted((c for c in service.channels.all() if c.is_active), key=lambda c: c.pk)
    return service.__dict__["_oas"]


# The followers of the service's OAs a call names, with the person's proven phone: one statement, raw SQL (the ORM
# compiled the two lookups in more CPU than PostgreSQL took to run them). By phone it is two indexed lookups (the
# shared phone; the proven phone of the person) joined by UNION ALL: an OR of the two across the join would have
# PostgreSQL scan every follower. "shared_phone <> ''" lets a generic plan use the partial index; "ct.phone <> ''"
# keeps the generic plan's estimate of the contacts' side small where most contacts have no proven phone (without it
# PostgreSQL planned the prepared statement anew for every call: 0.46 ms of planning for 0.04 ms of running).
FOLLOWER_COLUMNS = ", ".join(f"cc.{f.column}" for f in ChannelContact._meta.concrete_fields)
BY_PHONE_SQL = f"""
    SELECT {FOLLOWER_COLUMNS}, ct.phone FROM {{cc}} cc JOIN {{ct}} ct ON ct.id = cc.contact_id
     WHERE cc.channel_id IN ({{oas}}) AND cc.is_follower AND cc.shared_phone <> '' AND cc.shared_phone IN ({{phones}})
    UNION ALL
    SELECT {FOLLOWER_COLUMNS}, ct.phone FROM {{cc}} cc JOIN {{ct}} ct ON ct.id = cc.contact_id
     WHERE cc.channel_id IN ({{oas}}) AND cc.is_follower AND ct.phone <> '' AND ct.phone IN ({{phones}})
"""  # noqa: S608 - names from the models, values as parameters
BY_ID_SQL = f"""
    SELECT {FOLLOWER_COLUMNS}, ct.phone FROM {{cc}} cc JOIN {{ct}} ct ON ct.id = cc.contact_id
     WHERE cc.channel_id IN ({{oas}}) AND cc.user_id IN ({{ids}})
"""  # noqa: S608
LOOKUP_CHUNK = 400  # values per statement (SQLite takes 999 parameters)


@functools.cache
def _lookup_sql(template: str, oas: int, values: int) -> str:
    marks = ", ".join(["%s"] * values)
    return template.format(cc=ChannelContact._meta.db_table, ct=Contact._meta.db_table, oas=", ".join(["%s"] * oas),
                           phones=marks, ids=marks)  # fmt: skip


def _followers(template: str, oas: list[Channel], values: set[str], times: int) -> list[ChannelContact]:
    """The rows of `template` for these OAs and values, as followers each with their channel (from `oas`) and a
    contact holding the proven phone (all a notification reads of them)."""
    by_pk = {c.pk: c for c in oas}
    names = [f.attname for f in ChannelContact._meta.concrete_fields]
    conn = current()
    ordered = sorted(values)
    found = []
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start : start + LOOKUP_CHUNK]
        params = ([*by_pk, *chunk]) * times
        with prepared_cursor() as cursor:
            cursor.execute(_lookup_sql(template, len(by_pk), len(chunk)), params)
            rows = cursor.fetchall()
        for row in rows:
            follower = ChannelContact.from_db(conn.alias, names, _converted(row[:-1], conn))
            follower.channel = by_pk[follower.channel_id]
            follower.contact = Contact.from_db(conn.alias, ["id", "phone"], [follower.contact_id, row[-1]])
            found.append(follower)
    return found


@functools.cache
def _converters(vendor: str) -> list[tuple[int, list, object]]:
    out = []
    for index, model_field in enumerate(ChannelContact._meta.concrete_fields):
        column = model_field.get_col(ChannelContact._meta.db_table)
        chain = model_field.get_db_converters(connection) + connection.ops.get_db_converters(column)
        if chain:
            out.append((index, chain, column))
    return out


def _converted(row, conn) -> list:
    values = list(row)
    for index, chain, column in _converters(conn.vendor):
        for convert in chain:
            values[index] = convert(values[index], column, conn)
    return values


def _followers_by_phone(oas: list[Channel], phones: set[str]) -> dict[str, ChannelContact]:
    """The follower each phone is best reached at: the one who wrote to an OA most recently. One statement."""
    if not (oas and phones):
        return {}
    best: dict[str, ChannelContact] = {}
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    for row in _followers(BY_PHONE_SQL, oas, phones, 2):
        for phone in {row.shared_phone, row.contact.phone} & phones:
            current = best.get(phone)
            if current is None or (row.last_interaction_at or never) > (current.last_interaction_at or never):
                best[phone] = row
    return best


def _followers_by_id(oas: list[Channel], user_ids: set[str]) -> dict[tuple[int, str], ChannelContact]:
    if not (oas and user_ids):
        return {}
    return {(row.channel_id, row.user_id): row for row in _followers(BY_ID_SQL, oas, user_ids, 1)}


def _oa_named(oas: list[Channel], oa_id: str) -> list[Channel]:
    if not oa_id:
        return oas
    return [c for c in oas if oa_id in (c.external_id, str(c.uuid))]


def _phone(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except InvalidPhoneNumber as exc:
        raise Refused("invalid_phone", str(exc)) from exc


def plan(*, service: SendingService, api_key: ApiKey, requests: list) -> tuple[list, list[Plan]]:
    """Check every item and say how it goes; nothing is written. Returns the outcomes (refusals and replays
    filled in) and the plans of the items to write."""
    from .services import Outcome

    outcomes = [Outcome(index=i) for i in range(len(requests))]
    keys = {r.idempotency_key for r in requests if r.idempotency_key}
    earlier = (
        {n.idempotency_key: n for n in Notification.objects.filter(service=service, idempotency_key__in=keys)}
        if keys
        else {}
    )
    versions = _versions(service, {r.template_id for r in requests})
    oas = _oas(service)
    phones = set()
    for r in requests:
        if r.phone:
            with contextlib.suppress(InvalidPhoneNumber):
                phones.add(normalize_phone(r.phone))
    by_phone = _followers_by_phone(oas, phones)
    by_id = _followers_by_id(oas, {r.zalo_user_id for r in requests if r.zalo_user_id})
    plans, seen_keys = [], set()
    for index, request in enumerate(requests):
        outcome = outcomes[index]
        if request.idempotency_key and request.idempotency_key in earlier:
            outcome.notification = earlier[request.idempotency_key]
            continue
        try:
            if request.idempotency_key in seen_keys:
                raise Refused("duplicate_idempotency_key", "This idempotency key is used twice in the call.")
            plans.append(_plan_one(index, request, service, api_key, versions, oas, by_phone, by_id))
            if request.idempotency_key:
                seen_keys.add(request.idempotency_key)
        except Refused as refusal:
            outcome.code, outcome.message, outcome.extra = refusal.code, refusal.message, refusal.extra
        except ApplicationError as error:
            outcome.code, outcome.message, outcome.extra = error.code, error.message, error.extra or None
    return outcomes, plans


def _plan_one(index, request, service, api_key, versions, oas, by_phone, by_id) -> Plan:
    version = versions.get(request.template_id)
    if version is None:
        raise Refused("unknown_template", "No template with this id in this service.")
    if bool(request.phone) == bool(request.zalo_user_id):
        raise Refused("invalid_recipient", "Give the recipient's phone or Zalo user id (one of them).")
    values = request.personalisation or {}
    needed = placeholders.names_in(version.text, version.sms_text, *version.zbs_params.values())
    absent = placeholders.missing(needed, values)
    if absent:
        raise Refused("missing_personalisation", "Missing personalisation: " + ", ".join(absent) + ".",
                      {"missing": absent})  # fmt: skip
    body = placeholders.fill(version.text, values)
    sms_text = placeholders.fill(version.sms_text, values) if version.sms_text else ""
    if len(body) > ZALO_TEXT_LIMIT:
        raise Refused("too_long", f"The message is {len(body)} characters; a Zalo message holds {ZALO_TEXT_LIMIT}.")
    if len(sms_text) > SMS_TEXT_LIMIT:
        raise Refused("too_long", f"The SMS is {len(sms_text)} characters; at most {SMS_TEXT_LIMIT}.")

    contact, phone, user_id = None, "", ""
    if request.zalo_user_id:
        named = _oa_named(oas, request.oa_id)
        contact = next((by_id[(c.pk, request.zalo_user_id)] for c in named if (c.pk, request.zalo_user_id) in by_id),
                       None)  # fmt: skip
        if contact is None:
            raise Refused("unknown_recipient", "No one with this Zalo user id on the service's OAs.")
        user_id = contact.user_id
        phone = contact.shared_phone or contact.contact.phone
    else:
        phone = _phone(request.phone)
        contact = by_phone.get(phone)
    if api_key.kind == KeyKind.TEAM and phone not in service.member_phones:
        raise Refused("team_key_recipient", "A team key sends only to the service's members' phones.")

    fallback: dict[str, Any] = {}
    if version.zbs_template_id and phone:
        fallback["template_id"] = version.zbs_template_id
        fallback["template_data"] = {k: placeholders.fill(v, values) for k, v in version.zbs_params.items()}
    if sms_text and service.sms_channel_id:
        fallback["sms_text"] = sms_text
    fallback["sms_channel_id"] = service.sms_channel_id or 0  # the service's own gateway, or none
    if contact is not None:
        channel, payload = contact.channel, OutboundPayload(kind="text", text=body)
    elif oas and "template_id" in fallback:
        channel = oas[0]
        payload = OutboundPayload(kind="template", template_id=fallback.pop("template_id"),
                                  template_data=fallback.pop("template_data"))  # fmt: skip
    elif service.sms_channel is not None and sms_text:
        channel, payload, fallback = service.sms_channel, OutboundPayload(kind="text", text=sms_text), {}
    elif api_key.kind == KeyKind.TEST:  # nothing is sent: the way does not matter
        channel, payload = None, OutboundPayload(kind="text", text=body)
    else:
        raise Refused("no_channel", "This person follows none of the service's OAs, and the template has no "
                      "ZNS/ZBS mapping or SMS text the service can send.")  # fmt: skip
    return Plan(index=index, version=version, phone=phone, user_id=user_id, contact=contact, channel=channel,
                payload=payload, fallback=fallback, body=body, reference=request.reference,
                idempotency_key=request.idempotency_key)  # fmt: skip


def chain_of(notifications: list[Notification]) -> dict[str, list[OutboundMessage]]:
    """Each notification's outbox rows, the first step first (fallback steps are written after it)."""
    rows = OutboundMessage.objects.filter(
        source_type="notify", source_id__in=[str(n.uuid) for n in notifications]
    ).select_related("channel")
    chains: dict[str, list[OutboundMessage]] = {}
    for row in sorted(rows, key=lambda r: r.pk):
        chains.setdefault(row.source_id, []).append(row)
    return chains
