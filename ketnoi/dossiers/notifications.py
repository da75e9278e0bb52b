"""Citizen notices about dossiers: wording (per unit, Vietnamese and English, with defaults here), and delivery
through the outbox to every channel identity linked to the dossier, or by phone (template message) when none is.

Called by the services inside their transaction, once per history event that the citizen should hear about:
the outbox idempotency key `dossier:<uuid>:<event id>:<channel contact id | phone>` makes a replay a no-op, so
each accepted event gives exactly one message per linked channel.
"""

import contextlib
import contextvars
import datetime as dt
import functools
import logging
import string
import threading
import time
import uuid as uuid_module
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ketnoi.channels.cache import channels_by_pk
from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import Button, OutboundPayload
from ketnoi.contacts.models import ChannelContact, Contact
from ketnoi.contacts.selectors import notice_identities
from ketnoi.core.errors import ApplicationError
from ketnoi.core.sql import current, prepared_cursor
from ketnoi.core.text import fold
from ketnoi.orgs.models import AdministrativeUnit
from ketnoi.outbox.by_phone import outbox_enqueue_by_phone, phone_channel_for, unit_and_ancestor_ids
from ketnoi.outbox.models import Lane, OutboundMessage
from ketnoi.outbox.services import outbox_enqueue_many, outbox_message

from .models import Dossier, DossierEvent, DossierLink, NotificationKind, NotificationTemplate
from .states import state_label
from .tokens import lookup_url

K = NotificationKind
logger = logging.getLogger(__name__)

DEFAULTS: dict[tuple[str, str], str] = {
    (K.RECEIVED, "vi"): (
        "{agency_name} đã tiếp nhận hồ sơ {receipt_code} ({procedure_name}) của ông/bà {applicant_name} "
        "ngày {received_date}. Ngày hẹn trả kết quả: {due_date}. Tra cứu: {lookup_url}"
    ),
    (K.RECEIVED, "en"): (
        "{agency_name} received dossier {receipt_code} ({procedure_name}) from {applicant_name} on "
        "{received_date}. Result due: {due_date}. Track it: {lookup_url}"
    ),
    (K.STATUS_CHANGED, "vi"): "Hồ sơ {receipt_code}: {status}. {note} Tra cứu: {lookup_url}",
    (K.STATUS_CHANGED, "en"): "Dossier {receipt_code}: {status}. {note} Track it: {lookup_url}",
    (K.SUPPLEMENT_REQUESTED, "vi"): (
        "Hồ sơ {receipt_code} cần bổ sung: {missing}. Xin bổ sung trước ngày {supplement_due_date}. "
        "Thời hạn giải quyết được tính lại từ khi hồ sơ đầy đủ. {lookup_url}"
    ),
    (K.SUPPLEMENT_REQUESTED, "en"): (
        "Dossier {receipt_code} needs: {missing}. Please provide it by {supplement_due_date}. The processing time "
        "restarts once the dossier is complete. {lookup_url}"
    ),
    (K.RESULT_READY, "vi"): (
        "Hồ sơ {receipt_code} đã có kết quả. Mời ông/bà hoặc người được ủy quyền nhận tại {collection_place}. "
        "{collection_note} {lookup_url}"
    ),
    (K.RESULT_READY, "en"): (
        "The result of dossier {receipt_code} is ready. Collect it (or send your authorized person) at "
        "{collection_place}. {collection_note} {lookup_url}"
    ),
    (K.APOLOGY, "vi"): (
        "{agency_name} xin lỗi ông/bà {applicant_name}: hồ sơ {receipt_code} chưa thể trả đúng hẹn ngày "
        "{previous_due_date} vì {apology_reason}. Ngày hẹn trả mới: {new_due_date}. {lookup_url}"
    ),
    (K.APOLOGY, "en"): (
        "{agency_name} apologises to {applicant_name}: dossier {receipt_code} cannot be returned on "
        "{previous_due_date} because {apology_reason}. New date: {new_due_date}. {lookup_url}"
    ),
    (K.RETURNED, "vi"): (
        "Hồ sơ {receipt_code} đã trả kết quả ngày {returned_date}. Mời ông/bà đánh giá mức độ hài lòng: {lookup_url}"
    ),
    (K.RETURNED, "en"): (
        "The result of dossier {receipt_code} was handed over on {returned_date}. Please rate our service: {lookup_url}"
    ),
    (K.LINKED, "vi"): (
        "Ông/bà sẽ nhận thông báo về hồ sơ {receipt_code} ({procedure_name}) tại đây. Tình trạng hiện tại: "
        "{status}. Ngày hẹn trả: {due_date}."
    ),
    (K.LINKED, "en"): (
        "You will be told about dossier {receipt_code} ({procedure_name}) here. Current status: {status}. "
        "Due: {due_date}."
    ),
}

# When a value the wording needs is missing (a supplement request with no list of items or no deadline, a dossier
# with no due date yet), these default wordings leave the sentence out instead of sending a blank. Tried in order
# after the unit's own wording (or the default above); the first with every required slot filled is sent.
WITHOUT_BLANKS: dict[tuple[str, str], tuple[str, ...]] = {
    (K.RECEIVED, "vi"): (
        "{agency_name} đã tiếp nhận hồ sơ {receipt_code} ({procedure_name}) của ông/bà {applicant_name} "
        "ngày {received_date}. Tra cứu: {lookup_url}",
    ),
    (K.RECEIVED, "en"): (
        "{agency_name} received dossier {receipt_code} ({procedure_name}) from {applicant_name} on "
        "{received_date}. Track it: {lookup_url}",
    ),
    (K.SUPPLEMENT_REQUESTED, "vi"): (
        "Hồ sơ {receipt_code} cần bổ sung: {missing}. Thời hạn giải quyết được tính lại từ khi hồ sơ đầy đủ. "
        "{lookup_url}",
        "Hồ sơ {receipt_code} cần bổ sung giấy tờ; chi tiết xem tại trang tra cứu hoặc hỏi bộ phận một cửa. "
        "Xin bổ sung trước ngày {supplement_due_date}. Thời hạn giải quyết được tính lại từ khi hồ sơ đầy đủ. "
        "{lookup_url}",
        "Hồ sơ {receipt_code} cần bổ sung giấy tờ; chi tiết xem tại trang tra cứu hoặc hỏi bộ phận một cửa. "
        "Thời hạn giải quyết được tính lại từ khi hồ sơ đầy đủ. {lookup_url}",
    ),
    (K.SUPPLEMENT_REQUESTED, "en"): (
        "Dossier {receipt_code} needs: {missing}. The processing time restarts once the dossier is complete. "
        "{lookup_url}",
        "Dossier {receipt_code} needs more documents; see the lookup page or ask the one-stop desk. Please provide "
        "them by {supplement_due_date}. The processing time restarts once the dossier is complete. {lookup_url}",
        "Dossier {receipt_code} needs more documents; see the lookup page or ask the one-stop desk. The processing "
        "time restarts once the dossier is complete. {lookup_url}",
    ),
    (K.LINKED, "vi"): (
        "Ông/bà sẽ nhận thông báo về hồ sơ {receipt_code} ({procedure_name}) tại đây. Tình trạng hiện tại: {status}.",
    ),
    (K.LINKED, "en"): (
        "You will be told about dossier {receipt_code} ({procedure_name}) here. Current status: {status}.",
    ),
}

# Slots that may be empty: the wordings are written so that nothing is left dangling without them.
OPTIONAL_SLOTS = frozenset({"note", "collection_note"})

_silenced = contextvars.ContextVar("dossier_notices_silenced", default=False)


@contextlib.contextmanager
def notices_silenced():
    """Seed historic data (the demo) without messaging anyone about events that happened weeks ago."""
    token = _silenced.set(True)
    try:
        yield
    finally:
        _silenced.reset(token)


PLACEHOLDERS: dict[str, str] = {
    "applicant_name": "Nguyễn Văn An",
    "receipt_code": "H90.90001-261124-0001",
    "procedure_name": "Đăng ký khai sinh",
    "agency_name": "Trung tâm Phục vụ hành chính công phường Đông Hòa",
    "status": "Đang xử lý",
    "note": "",
    "received_date": "24/11/2026",
    "due_date": "27/11/2026",
    "lookup_url": "https://example.invalid/tra-cuu/…/",
    "missing": "Bản sao giấy chứng nhận kết hôn",
    "supplement_due_date": "01/12/2026",
    "collection_place": "Quầy 1, Trung tâm Phục vụ hành chính công phường Đông Hòa",
    "collection_note": "",
    "previous_due_date": "27/11/2026",
    "new_due_date": "02/12/2026",
    "apology_reason": "cần xác minh thêm thông tin",
    "returned_date": "28/11/2026",
}


def template_placeholders() -> list[str]:
    return list(PLACEHOLDERS)


def template_validate(text: str) -> None:
    """Raise an ApplicationError naming any placeholder that does not exist, or broken braces."""
    try:
        names = {name for _text, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise ApplicationError(
            _("The template has unbalanced braces: %(error)s.") % {"error": exc}, code="invalid_template"
        ) from exc
    unknown = sorted(n for n in names if n not in PLACEHOLDERS)
    if unknown:
        raise ApplicationError(
            _("Unknown placeholders: %(unknown)s. Available: %(available)s.")
            % {
                "unknown": ", ".join("{" + n + "}" for n in unknown),
                "available": ", ".join("{" + n + "}" for n in PLACEHOLDERS),
            },
            code="invalid_template",
            extra={"unknown": unknown},
        )


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def template_render(*, text: str, context: dict[str, Any] | None = None) -> str:
    """Fill named placeholders; unknown ones stay as typed (the editor's preview shows them). Spaces tidied."""
    values = _Missing({k: "" if v is None else str(v) for k, v in (context or PLACEHOLDERS).items()})
    try:
        rendered = string.Formatter().vformat(text, (), values)
    except (ValueError, IndexError):
        rendered = text
    return " ".join(rendered.split())


_unit_templates: dict[tuple[int, ...], tuple[float, dict[tuple[int, str, str], str]]] = {}
_templates_lock = threading.Lock()


def _templates_of(ids: list[int]) -> dict[tuple[int, str, str], str]:
    """Every own wording of a unit and its ancestors, read once per NOTICE_TEMPLATE_CACHE_SECONDS (30) in each
    process: a notice costs no query for its wording. A wording saved in this process is seen at once; one saved
    elsewhere within the TTL."""
    key = tuple(ids)
    now = time.monotonic()
    entry = _unit_templates.get(key)
    if entry is not None and now - entry[0] < float(getattr(settings, "NOTICE_TEMPLATE_CACHE_SECONDS", 30)):
        return entry[1]
    rows = NotificationTemplate.objects.filter(unit_id__in=ids).values_list("unit_id", "kind", "language", "text")
    texts = {(unit_id, kind, language): text for unit_id, kind, language, text in rows}
    with _templates_lock:
        _unit_templates[key] = (now, texts)
    return texts


@receiver(post_save, sender=NotificationTemplate, dispatch_uid="dossiers.notifications.forget_templates")
@receiver(post_delete, sender=NotificationTemplate, dispatch_uid="dossiers.notifications.forget_templates_del")
def _forget_templates(sender, **kwargs) -> None:
    with _templates_lock:
        _unit_templates.clear()


def template_text(*, unit: AdministrativeUnit, kind: str, language: str) -> str:
    """The wording in force for a unit: its own, else the nearest ancestor's, else the default."""
    language = language if (kind, language) in DEFAULTS else "vi"
    ids = unit_and_ancestor_ids(unit)
    own = _templates_of(ids)
    for unit_id in reversed(ids):
        text = own.get((unit_id, kind, language))
        if text is not None:
            return text
    return DEFAULTS[(kind, language)]


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""  # dd/MM/yyyy in both languages, as the one-stop systems


def dossier_context(dossier: Dossier, *, language: str, event: DossierEvent | None = None) -> dict[str, Any]:
    with translation.override(language):
        status = state_label(dossier.state, language)
    return {
        "applicant_name": dossier.applicant_name,
        "receipt_code": dossier.receipt_code,
        "procedure_name": dossier.procedure.name,
        "agency_name": dossier.receiving_agency.name,
        "status": status,
        "note": event.note if event is not None and event.kind != "apology" else "",
        "received_date": _date(dossier.received_at and timezone.localdate(dossier.received_at)),
        "due_date": _date(dossier.due_date),
        "lookup_url": lookup_url(dossier),
        "missing": "; ".join(dossier.supplement_items),
        "supplement_due_date": _date(dossier.supplement_due_date),
        "collection_place": dossier.collection_place or dossier.receiving_agency.name,
        "collection_note": dossier.collection_note,
        "previous_due_date": _date(dossier.apology_previous_due_date),
        "new_due_date": _date(dossier.apology_new_due_date),
        "apology_reason": dossier.apology_reason,
        "returned_date": _date(dossier.result_returned_at and timezone.localdate(dossier.result_returned_at)),
    }


def template_slots(text: str) -> set[str]:
    try:
        return {name for _text, name, _spec, _conv in string.Formatter().parse(text) if name}
    except ValueError:
        return set()


def blank_slots(text: str, context: dict[str, Any]) -> list[str]:
    """The slots of `text` that would be filled with nothing (optional ones aside)."""
    return sorted(n for n in template_slots(text) - OPTIONAL_SLOTS if not str(context.get(n) or "").strip())


def compose(
    dossier: Dossier, *, kind: str, language: str, event: DossierEvent | None = None, text: str | None = None
) -> str | None:
    """The notice's text with every slot filled: the unit's wording (or the default); when a value it needs is
    missing, the first default wording that does without it. None when no wording can be filled: no notice
    then, rather than one with a blank ("cần bổ sung: . Xin bổ sung trước ngày ."). `text`: the wording in force,
    when the caller has read it already."""
    context = dossier_context(dossier, language=language, event=event)
    if text is None:
        text = template_text(unit=dossier.unit, kind=kind, language=language)
    language = language if (kind, language) in DEFAULTS else "vi"
    for candidate in (text, *WITHOUT_BLANKS.get((kind, language), ())):
        if not blank_slots(candidate, context):
            return template_render(text=candidate, context=context)
    logger.warning("No %s notice for dossier %s: %s would be blank.", kind, dossier.pk, blank_slots(text, context))
    return None


# The people a dossier's notices reach: identities linked directly, and every identity of a linked contact (then one
# chat per person: contacts.selectors.notice_identities). Two
# indexed lookups joined by UNION (an OR of the two IN-subqueries made PostgreSQL scan every follower), with what a
# notice needs of the person; the channels come from the per-process cache.
LINKED_SQL = """
    SELECT x.dossier_id, cc.id, cc.uuid, cc.user_id, cc.shared_phone, cc.channel_id, ct.id, ct.language, ct.phone,
           ch.uuid, cc.last_interaction_at, ct.notice_channel_contact_id
      FROM (
        SELECT l.dossier_id, l.channel_contact_id AS cc_id FROM {links} l
         WHERE l.dossier_id IN ({ids}) AND l.is_active AND l.channel_contact_id IS NOT NULL
        UNION
        SELECT l.dossier_id, cc.id FROM {links} l JOIN {identities} cc ON cc.contact_id = l.contact_id
         WHERE l.dossier_id IN ({ids}) AND l.is_active AND l.contact_id IS NOT NULL
      ) x
      JOIN {identities} cc ON cc.id = x.cc_id
      JOIN {people} ct ON ct.id = cc.contact_id
      JOIN {channels} ch ON ch.id = cc.channel_id AND ch.is_active
     ORDER BY x.dossier_id, cc.id
"""


@functools.cache
def _linked_sql(count: int) -> str:
    return LINKED_SQL.format(
        ids=", ".join(["%s"] * count),
        links=DossierLink._meta.db_table,
        identities=ChannelContact._meta.db_table,
        people=Contact._meta.db_table,
        channels=Channel._meta.db_table,
    )


IDENTITY_FIELDS = ["id", "uuid", "channel_id", "contact_id", "user_id", "shared_phone", "last_interaction_at"]
PERSON_FIELDS = ["id", "phone", "language", "notice_channel_contact_id"]


def _uuid(value) -> uuid_module.UUID:
    return value if isinstance(value, uuid_module.UUID) else uuid_module.UUID(str(value))  # SQLite: text


def linked_channel_contacts(dossier: Dossier) -> list[ChannelContact]:
    """The chats the dossier's notices go to — linked directly or through a linked contact, one per person (the chat
    the person chose for notices, else the one they used last) — in one query."""
    return linked_channel_contacts_of([dossier.pk]).get(dossier.pk, [])


def linked_channel_contacts_of(dossier_ids: list[int]) -> dict[int, list[ChannelContact]]:
    """The same for many dossiers at once (a batch of events): one query whatever their number (and one for
    channels this process has not seen lately)."""
    ids = sorted(set(dossier_ids))
    if not ids:
        return {}
    with prepared_cursor() as cursor:
        cursor.execute(_linked_sql(len(ids)), ids + ids)
        rows = cursor.fetchall()
    channels = channels_by_pk({row[5]: _uuid(row[9]) for row in rows})
    linked: dict[int, list[ChannelContact]] = {}
    alias = current().alias
    for row in rows:
        dossier_id, cc_id, uuid, user_id, shared_phone, channel_id, contact_id, language, phone, _ch = row[:10]
        last_interaction_at, notice_channel_contact_id = row[10:]
        # from_db with the columns read, in the models' field order (the rest deferred): cheaper than keywords
        identity = ChannelContact.from_db(
            alias,
            IDENTITY_FIELDS,
            [cc_id, _uuid(uuid), channel_id, contact_id, user_id, shared_phone, _aware(last_interaction_at)],
        )
        identity.channel = channels[channel_id]
        identity.contact = Contact.from_db(
            alias, PERSON_FIELDS, [contact_id, phone, language, notice_channel_contact_id]
        )
        linked.setdefault(dossier_id, []).append(identity)
    return {dossier_id: notice_identities(identities) for dossier_id, identities in linked.items()}


def _aware(value):
    """A timestamp from a raw query: SQLite gives text or a naive datetime (UTC)."""
    if value is None or (isinstance(value, dt.datetime) and value.tzinfo is not None):
        return value
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _fallback(
    channel: Channel, dossier: Dossier, kind: str, text: str, *, sms_text: str = "", context: dict | None = None
) -> dict[str, Any]:
    """Template by phone (the OA's configured ZBS template for dossier notices), then SMS with the folded text.
    `sms_text` and `context` (Vietnamese) when the caller has them already."""
    fallback: dict[str, Any] = {"sms_text": sms_text or fold(text)[:480]}
    template_id = (channel.config or {}).get("dossier_template_id") or getattr(settings, "DOSSIER_ZBS_TEMPLATE_ID", "")
    if template_id:
        context = context if context is not None else dossier_context(dossier, language="vi")
        fallback["template_id"] = str(template_id)
        fallback["template_data"] = {
            "ten_nguoi_dan": dossier.applicant_name,
            "ma_ho_so": dossier.receipt_code,
            "trang_thai": context["status"],
            "ten_dich_vu": dossier.procedure.name[:100],
            "ngay_hen_tra": context["due_date"] or "chưa xác định",  # a template slot is never sent empty
            "loai_thong_bao": kind,
        }
    return fallback


def _buttons(dossier: Dossier, kind: str, language: str) -> tuple[Button, ...]:
    """The lookup page; with an electronic result, also the signed PDF (served behind the QR token); the chat's
    "send the documents" when a supplement is asked, "rate the service" once the result is returned."""
    url = lookup_url(dossier)
    buttons = [Button(title="Tra cứu hồ sơ" if language == "vi" else "Track the dossier", action="url", value=url)]
    if dossier.result_file and kind in (K.RESULT_READY, K.RETURNED):
        title = "Tải kết quả điện tử" if language == "vi" else "Download the electronic result"
        buttons.insert(0, Button(title=title, action="url", value=url + "ket-qua/"))
    # Chat actions: the payload comes back as the citizen's message and the conversation engine's dossier flow
    # takes it ("#dossier.<action>:<uuid>"); the engine checks the person is linked before acting.
    if kind == K.SUPPLEMENT_REQUESTED:
        title = "Gửi giấy tờ bổ sung" if language == "vi" else "Send the documents"
        buttons.append(Button(title=title, action="query_hide", value=f"#dossier.supplement:{dossier.uuid.hex}"))
    if kind == K.RETURNED:
        title = "Đánh giá dịch vụ" if language == "vi" else "Rate the service"
        buttons.append(Button(title=title, action="query_hide", value=f"#dossier.rate:{dossier.uuid.hex}"))
    return tuple(buttons)


@dataclass(frozen=True)
class Notice:
    """One history event the citizen should hear about."""

    dossier: Dossier
    event: DossierEvent
    kind: str


def notify_citizen(
    *, dossier: Dossier, event: DossierEvent, kind: str, channel_contacts: list[ChannelContact] | None = None
) -> int:
    """Queue the notice of `event` to every linked channel, or by phone when none. Returns the rows queued.
    Runs inside the caller's transaction (outbox_enqueue insists). `channel_contacts` narrows the recipients
    (and then there is no phone fallback)."""
    return notify_citizens([Notice(dossier, event, kind)], channel_contacts=channel_contacts)


def notify_citizens(notices: list[Notice], *, channel_contacts: list[ChannelContact] | None = None) -> int:
    """notify_citizen for many events at once (a batch from a one-stop system): the links of all their dossiers in
    one or two queries, the wordings from the cache, every outbox row in one statement. Returns the rows queued."""
    if _silenced.get() or not notices:
        return 0
    if channel_contacts is not None:
        linked = {n.dossier.pk: channel_contacts for n in notices}
    else:
        linked = linked_channel_contacts_of([n.dossier.pk for n in notices])
    messages: list[OutboundMessage] = []
    by_phone: list[Notice] = []
    for notice in notices:
        recipients = linked.get(notice.dossier.pk, [])
        rows = _messages_for(notice, recipients)
        messages.extend(rows)
        if not recipients and channel_contacts is None and notice.dossier.applicant_phone:
            by_phone.append(notice)
    if messages:
        outbox_enqueue_many(messages=messages)  # one INSERT ... ON CONFLICT DO NOTHING
    phone_channels: dict[int, Channel | None] = {}  # a unit's OA for templates by phone, looked up once a batch
    return len(messages) + sum(_notify_by_phone(notice, phone_channels) for notice in by_phone)


def _messages_for(notice: Notice, recipients: list[ChannelContact]) -> list[OutboundMessage]:
    """One outbox row per identity; the wording, its SMS form and the template data made once per language."""
    dossier, event, kind = notice.dossier, notice.event, notice.kind
    composed: dict[str, tuple[OutboundPayload, str] | None] = {}
    vietnamese = None
    base_key = f"dossier:{dossier.uuid.hex}:{event.pk}"
    rows = []
    for channel_contact in recipients:
        language = channel_contact.contact.language or "vi"
        if language not in composed:
            text = compose(dossier, kind=kind, language=language, event=event)
            payload = (
                OutboundPayload(kind="buttons", text=text, buttons=_buttons(dossier, kind, language), purpose="update")
                if text
                else None
            )
            composed[language] = (payload, fold(text)[:480]) if text else None
        if composed[language] is None:
            continue  # no wording without a blank: not sent (logged)
        payload, sms_text = composed[language]
        if not channel_contact.channel.channel_type.supports_buttons:
            payload = OutboundPayload(kind="text", text=payload.text, purpose="update")
        if vietnamese is None and (channel_contact.channel.config or {}).get("dossier_template_id"):
            vietnamese = dossier_context(dossier, language="vi")
        rows.append(
            outbox_message(
                channel=channel_contact.channel,
                payload=payload,
                idempotency_key=f"{base_key}:{channel_contact.pk}",
                lane=Lane.TRANSACTIONAL,
                channel_contact=channel_contact,
                recipient_phone=dossier.applicant_phone,
                source_type="dossier",
                source_id=str(dossier.uuid),
                fallback=_fallback(
                    channel_contact.channel, dossier, kind, payload.text, sms_text=sms_text, context=vietnamese
                ),
            )
        )
    return rows


def _notify_by_phone(notice: Notice, phone_channels: dict[int, Channel | None] | None = None) -> int:
    """Nobody follows a channel for this dossier: the OA's template by phone (then SMS), if it has one."""
    dossier = notice.dossier
    phone_channels = {} if phone_channels is None else phone_channels
    if dossier.unit_id not in phone_channels:
        phone_channels[dossier.unit_id] = phone_channel_for(dossier.unit)
    channel = phone_channels[dossier.unit_id]
    if channel is None:
        return 0
    text = compose(dossier, kind=notice.kind, language=dossier.language or "vi", event=notice.event)
    if text is None:
        return 0
    queued_by_phone = outbox_enqueue_by_phone(
        channel=channel,
        phone=dossier.applicant_phone,
        fallback=_fallback(channel, dossier, notice.kind, text),
        idempotency_key=f"dossier:{dossier.uuid.hex}:{notice.event.pk}:phone",
        source_type="dossier",
        source_id=str(dossier.uuid),
    )
    return 1 if queued_by_phone else 0  # no template: the lookup page and the desk remain
