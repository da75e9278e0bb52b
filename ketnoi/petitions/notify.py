"""Telling the petitioner: the acknowledgement with the tracking code, forward, acceptance, refusal, merge and the
approved answer, on the channel they used (the chat identity they wrote from), else by phone.

Called by services inside their transaction; one outbox row per (petition, history event, recipient), so a replay
is a no-op. The outbox applies the window rules: inside the provider's free window the reply goes as a chat
message; outside it (or to a non-follower) the dispatcher takes the fallback chain, a ZBS template by phone
(Channel.config["petition_template_id"] or settings.PETITION_ZBS_TEMPLATE_ID), then SMS with the folded text.
"""

import contextlib
import contextvars
from typing import Any

from django.conf import settings
from django.utils import formats, timezone

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import Button, OutboundPayload
from ketnoi.contacts.selectors import notice_identity_for
from ketnoi.core.text import fold
from ketnoi.outbox.by_phone import outbox_enqueue_by_phone, phone_channel_for
from ketnoi.outbox.models import Lane
from ketnoi.outbox.services import outbox_enqueue

from .models import EventKind, Petition, PetitionEvent
from .states import state_label
from .tokens import track_url

K = EventKind
MAX_CHAT_TEXT = 1800  # Zalo's limit is 2,000 characters; the full answer is behind the link

TEXTS: dict[tuple[str, str], str] = {
    (K.RECEIVED, "vi"): (
        "{agency} đã nhận phản ánh, kiến nghị của ông/bà về “{subject}”. Mã theo dõi: {code}. "
        "Thời hạn trả lời: {answer_due}. Theo dõi: {url}"
    ),
    (K.RECEIVED, "en"): (
        "{agency} received your petition about “{subject}”. Tracking code: {code}. Answer due by {answer_due}. "
        "Follow it: {url}"
    ),
    (K.FORWARDED, "vi"): (
        "Phản ánh {code} đã được chuyển đến {agency} là cơ quan có thẩm quyền giải quyết. Lý do: {note} Theo dõi: {url}"
    ),
    (
        K.FORWARDED,
        "en",
    ): "Petition {code} was forwarded to {agency}, the competent agency. Reason: {note} Follow it: {url}",
    (K.ACCEPTED, "vi"): (
        "{agency} đã tiếp nhận xử lý phản ánh {code}. Thời hạn trả lời: {answer_due}. Theo dõi: {url}"
    ),
    (K.ACCEPTED, "en"): "{agency} accepted petition {code}. Answer due by {answer_due}. Follow it: {url}",
    (K.REFUSED, "vi"): "{agency} từ chối tiếp nhận phản ánh {code}. Lý do: {note} Theo dõi: {url}",
    (K.REFUSED, "en"): "{agency} refused petition {code}. Reason: {note} Follow it: {url}",
    (K.MERGED, "vi"): (
        "Phản ánh {code} trùng nội dung với phản ánh {other}, đã được gộp để giải quyết chung. Theo dõi: {url}"
    ),
    (K.MERGED, "en"): "Petition {code} is about the same matter as {other} and was merged with it. Follow it: {url}",
    (
        K.ANSWERED,
        "vi",
    ): "{agency} trả lời phản ánh {code}:\n{answer}\nXem đầy đủ, đánh giá hoặc đề nghị xem xét lại: {url}",
    (K.ANSWERED, "en"): "{agency} answers petition {code}:\n{answer}\nRead it in full, rate it or ask to reopen: {url}",
    (K.REOPENED, "vi"): "Đã nhận đề nghị xem xét lại phản ánh {code}. Thời hạn trả lời mới: {answer_due}. {url}",
    (K.REOPENED, "en"): "We received your request to reopen petition {code}. New answer date: {answer_due}. {url}",
}

_silenced = contextvars.ContextVar("petition_notices_silenced", default=False)


@contextlib.contextmanager
def notices_silenced():
    """Seed historic data (the demo) without messaging anyone."""
    token = _silenced.set(True)
    try:
        yield
    finally:
        _silenced.reset(token)


def _date(value) -> str:
    return formats.date_format(value, "d/m/Y") if value else ""


def _answer_excerpt(text: str) -> str:
    return text if len(text) <= MAX_CHAT_TEXT else text[: MAX_CHAT_TEXT - 1].rstrip() + "…"


def render(petition: Petition, kind: str, *, language: str, event: PetitionEvent | None = None) -> str:
    language = language if (kind, language) in TEXTS else "vi"
    other = petition.duplicate_of.tracking_code if petition.duplicate_of_id else ""
    values: dict[str, Any] = {
        "agency": petition.owner_agency.name,
        "subject": petition.subject,
        "code": petition.tracking_code,
        "answer_due": _date(petition.answer_due),
        "url": track_url(petition),
        "note": (event.note if event else "") or "",
        "other": other,
        "answer": _answer_excerpt((event.data or {}).get("answer", "") if event else ""),
        "status": state_label(petition.state, language),
    }
    return TEXTS[(kind, language)].format(**values).strip()


def _buttons(petition: Petition, kind: str, language: str) -> tuple[Button, ...]:
    url = track_url(petition)
    vi = language == "vi"
    if kind == K.ANSWERED:
        code = petition.tracking_code
        return (
            Button("Hài lòng" if vi else "Satisfied", "query_hide", f"#petition.rate:{code}:5"),
            Button("Chưa hài lòng" if vi else "Not satisfied", "query_hide", f"#petition.rate:{code}:2"),
            Button("Đề nghị xem xét lại" if vi else "Ask to reopen", "query_hide", f"#petition.reopen:{code}"),
            Button("Xem và đánh giá" if vi else "Read and rate", "url", url),
        )
    return (Button("Theo dõi phản ánh" if vi else "Follow the petition", "url", url),)


def _template_id(channel: Channel) -> str:
    return str((channel.config or {}).get("petition_template_id") or getattr(settings, "PETITION_ZBS_TEMPLATE_ID", ""))


def _fallback(channel: Channel, petition: Petition, kind: str, text: str) -> dict[str, Any]:
    """Template by phone when the chat cannot reach them (window closed, unfollowed), then SMS."""
    fallback: dict[str, Any] = {"sms_text": fold(text)[:480]}
    template_id = _template_id(channel)
    if template_id and petition.petitioner_phone:
        fallback["template_id"] = template_id
        fallback["template_data"] = {
            "ten_nguoi_gui": petition.petitioner_name[:30],
            "ma_phan_anh": petition.tracking_code,
            "trang_thai": state_label(petition.state, "vi"),
            "noi_dung": petition.subject[:100],
            "loai_thong_bao": str(kind),
        }
    return fallback


def notify_petitioner(*, petition: Petition, event: PetitionEvent, kind: str) -> int:
    """Queue the notice of `event` to the petitioner. Runs inside the caller's transaction. Returns rows queued."""
    if _silenced.get():
        return 0
    key = f"petition:{petition.uuid.hex}:{event.pk}"
    language = petition.language or "vi"
    text = render(petition, kind, language=language, event=event)
    person = petition.channel_contact
    if person is not None:
        person = notice_identity_for(person)  # the person's chosen chat, else the one they used last
    if person is not None and person.channel.is_active:
        payload = OutboundPayload(
            kind="buttons", text=text, buttons=_buttons(petition, kind, language), purpose="update"
        )
        if not person.channel.channel_type.supports_buttons:
            payload = OutboundPayload(kind="text", text=text, purpose="update")
        outbox_enqueue(
            channel=person.channel,
            payload=payload,
            idempotency_key=f"{key}:{person.pk}",
            lane=Lane.TRANSACTIONAL,
            channel_contact=person,
            recipient_phone=petition.petitioner_phone,
            source_type="petition",
            source_id=str(petition.uuid),
            fallback=_fallback(person.channel, petition, kind, text),
        )
        return 1
    if not petition.petitioner_phone:
        return 0  # web or API without a phone: the tracking page is where they read it
    channel = phone_channel_for(petition.area) or phone_channel_for(petition.unit)
    if channel is None:
        return 0
    queued_by_phone = outbox_enqueue_by_phone(
        channel=channel,
        phone=petition.petitioner_phone,
        fallback=_fallback(channel, petition, kind, text),
        idempotency_key=f"{key}:phone",
        source_type="petition",
        source_id=str(petition.uuid),
    )
    return 1 if queued_by_phone else 0


def received_date(petition: Petition) -> str:
    return _date(timezone.localdate(petition.received_at))


def business_menu_buttons(*, language: str, hotline: str) -> tuple[Button, ...]:
    """The business companion menu: policies, Q&A, feedback (starts the chat flow), the hotline (oa.open.phone)."""
    base = settings.PUBLIC_BASE_URL
    vi = language == "vi"
    buttons = [
        Button(
            "Chính sách cho doanh nghiệp" if vi else "Policies for businesses",
            "url",
            f"{base}/doanh-nghiep/chinh-sach/",
        ),
        Button("Hỏi đáp" if vi else "Questions and answers", "url", f"{base}/doanh-nghiep/hoi-dap/"),
        Button("Gửi phản ánh, kiến nghị" if vi else "Send feedback", "query_hide", "#petition:business"),
        Button("Tra cứu hồ sơ" if vi else "Look up a dossier", "url", f"{base}/tra-cuu/"),
    ]
    if hotline:
        buttons.insert(3, Button("Gọi đường dây nóng" if vi else "Call the hotline", "phone", hotline))
    return tuple(buttons[:5])


def send_business_menu(*, channel_contact, key: str, hotline: str) -> None:
    """Queue the business menu to a person in the chat (inside the inbound event's transaction)."""
    language = channel_contact.contact.language or "vi"
    text = (
        "Đồng hành cùng doanh nghiệp: chọn một mục bên dưới."
        if language == "vi"
        else "Together with businesses: choose below."
    )
    payload = OutboundPayload(
        kind="buttons", text=text, buttons=business_menu_buttons(language=language, hotline=hotline)
    )
    if not channel_contact.channel.channel_type.supports_buttons:
        payload = OutboundPayload(
            kind="text", text="\n".join([text, *(f"- {b.title}: {b.value}" for b in payload.buttons)])
        )
    outbox_enqueue(
        channel=channel_contact.channel,
        payload=payload,
        idempotency_key=f"business-menu:{key}"[:100],
        lane=Lane.TRANSACTIONAL,
        channel_contact=channel_contact,
        source_type="business_menu",
        source_id=str(channel_contact.uuid),
    )
