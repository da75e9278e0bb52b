"""ZBS / ZNS on the business host: template message by phone (reference §5.2, §5.5), message status and the daily
quota, and the OA's templates (list and detail, §5.4).

tracking_id is an idempotency key: the same tracking_id for the same OA answers with the first message's msg_id and
stores nothing new. Template sends are outside the OA API's per-app rate limit (§3.5). The phone gets the message
(user_received_message with delivery_time and tracking_id) when a sandbox user has that phone number.
"""

from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.utils import timezone

from ketnoi.core.phones import InvalidPhoneNumber

from . import actions
from .conf import sandbox_setting
from .gateway import ZaloError, params, zalo_endpoint, zalo_json
from .models import Message, SandboxOA, Template
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
    if sandbox_setting("ZBS_REFUSE_UNKNOWN_PHONES") and not actions.phone_has_zalo(phone):
        raise ZaloError(-118, "Zalo account does not exist")
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


def _quota_numbers(oa: SandboxOA) -> tuple[int, int]:
    daily = sandbox_setting("ZBS_DAILY_QUOTA")
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return daily, Message.objects.filter(oa=oa, endpoint="zbs", created_at__gte=today).count()


@zalo_endpoint(rate_limited=False, methods=("GET",))
def message_quota(request, oa: SandboxOA):
    """GET /message/quota (§5.4): the OA's daily ZBS quota and what is left of it today."""
    daily, used = _quota_numbers(oa)
    return zalo_json({"dailyQuota": str(daily), "remainingQuota": str(max(daily - used, 0))})


@zalo_endpoint(rate_limited=False, methods=("GET",))
def message_status(request, oa: SandboxOA):
    """GET /message/status?message_id=&phone= (§5.4): status 1 delivered (with delivery_time), 0 not yet."""
    message_id = request.GET.get("message_id", "")
    m = Message.objects.filter(oa=oa, endpoint="zbs", msg_id=message_id).first() if message_id else None
    if m is None:
        raise ZaloError(-201, "message_id is invalid")
    phone = request.GET.get("phone", "")
    if phone and _phone(phone) != m.phone:
        raise ZaloError(-201, "phone is invalid")
    if m.delivered_at is None:
        return zalo_json({"delivery_time": "", "message": "The message has not been delivered yet", "status": 0})
    return zalo_json({"delivery_time": str(ms(m.delivered_at)), "message": "Delivered", "status": 1})


def _whole(request, name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(request.GET.get(name, default))
    except ValueError as exc:
        raise ZaloError(-201, f"{name} is invalid") from exc
    if not low <= value <= high:
        raise ZaloError(-201, f"{name} is invalid")
    return value


@zalo_endpoint(rate_limited=False, methods=("GET",))
def template_all(request, oa: SandboxOA):
    """GET /template/all?offset&limit&status (§5.4): the OA's templates; status 1-4 = ENABLE, PENDING_REVIEW,
    REJECT, DISABLE. Answers `data` (a list) and `metadata.total`."""
    offset = _whole(request, "offset", 0, 0, 10**6)
    limit = _whole(request, "limit", 100, 1, sandbox_setting("TEMPLATE_PAGE_MAX"))
    templates = Template.objects.filter(oa=oa)
    if request.GET.get("status"):
        code = _whole(request, "status", 1, 1, 4)
        templates = templates.filter(status=next(s for s, c in Template.STATUS_CODES.items() if c == code))
    rows = [
        {
            "templateId": t.template_id,
            "templateName": t.name,
            "createdTime": ms(t.created_at),
            "status": t.status,
            "templateQuality": t.quality,
        }
        for t in templates[offset : offset + limit]
    ]
    body = {"error": 0, "message": "Success", "data": rows, "metadata": {"total": templates.count()}}
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@zalo_endpoint(rate_limited=False, methods=("GET",))
def template_info(request, oa: SandboxOA):
    """GET /template/info/v2?template_id= (§5.4): the parameters with their limits, quality, tag and price."""
    t = Template.objects.filter(oa=oa, template_id=request.GET.get("template_id", "")).first()
    if t is None:
        raise ZaloError(-201, "template_id is invalid")
    return zalo_json(
        {
            "templateId": t.template_id,
            "templateName": t.name,
            "status": t.status,
            "reason": "",
            "listParams": t.params,
            "listButtons": [],
            "timeout": 7200000,
            "previewUrl": "",
            "templateQuality": t.quality,
            "templateTag": t.tag,
            "price": str(t.price),
        }
    )
