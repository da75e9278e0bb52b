"""ZBS / ZNS template message by phone (reference §5.2, §5.5) on the business host.

tracking_id is an idempotency key: the same tracking_id for the same OA answers with the first message's msg_id and
stores nothing new. Template sends are outside the OA API's per-app rate limit (§3.5). The phone gets the message
(user_received_message with delivery_time and tracking_id) when a sandbox user has that phone number.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from ketnoi.core.phones import InvalidPhoneNumber

from . import actions
from .conf import sandbox_setting
from .gateway import ZaloError, params, zalo_endpoint, zalo_json
from .models import Message, SandboxOA
from .openapi import ms


def _phone(raw: object) -> str:
    text = str(raw or "").strip()
    digits = text.lstrip("+")
    if not digits.isdigit() or not digits.startswith("84"):  # 84xxxxxxxxx or +84...; a leading 0 is refused
        raise ZaloError(-108, "Phone number is invalid")
    try:
        return actions.zalo_phone(text if text.startswith("+") else "+" + text)
    except InvalidPhoneNumber as exc:
        raise ZaloError(-108, "Phone number is invalid") from exc


def _answer(m: Message, daily: int, used: int) -> dict:
    return {
        "msg_id": m.msg_id,
        "sent_time": str(ms(m.created_at)),
        "sending_mode": "1",
        "quota": {"dailyQuota": str(daily), "remainingQuota": str(max(daily - used, 0))},
    }


@zalo_endpoint(rate_limited=False, methods=("POST",))
def message_template(request, oa: SandboxOA):
    body = params(request)
    phone = _phone(body.get("phone"))
    template_id = str(body.get("template_id") or "")
    data = body.get("template_data") or {}
    tracking_id = str(body.get("tracking_id") or "")
    if not template_id:
        raise ZaloError(-201, "template_id is invalid")
    if not isinstance(data, dict):
        raise ZaloError(-201, "template_data is invalid")
    if len(tracking_id) > 48:
        raise ZaloError(-201, "tracking_id is invalid")
    daily = sandbox_setting("ZBS_DAILY_QUOTA")
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    used = Message.objects.filter(oa=oa, endpoint="zbs", created_at__gte=today).count()
    if tracking_id:
        earlier = Message.objects.filter(oa=oa, tracking_id=tracking_id).first()
        if earlier is not None:
            return zalo_json(_answer(earlier, daily, used))
    if used >= daily:
        raise ZaloError(-211, "Out of quota")
    text = " · ".join(f"{key}: {value}" for key, value in data.items())
    payload = {"kind": "template", "template_id": template_id, "template_data": data, "mode": body.get("mode", "")}
    try:
        with transaction.atomic():
            m = Message.objects.create(
                oa=oa,
                phone=phone,
                endpoint="zbs",
                tracking_id=tracking_id,
                text=text,
                payload=payload,
                cost=sandbox_setting("TEMPLATE_PHONE_COST"),
            )
            actions.after_oa_message(m)
    except IntegrityError:  # the same tracking_id, sent concurrently
        m = Message.objects.get(oa=oa, tracking_id=tracking_id)
        return zalo_json(_answer(m, daily, used))
    return zalo_json(_answer(m, daily, used + 1))
