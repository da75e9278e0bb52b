"""Notifications for any system of the province (issue 21, after GOV.UK Notify): a sending service's key, one of
its templates with ((placeholders)) filled from `personalisation`, a recipient by phone or by Zalo user id of one of
its OAs. ketnoi picks the way (consultation message inside the OA's window, ZNS/ZBS template by phone, SMS) and
answers at once with the id; follow the status with GET or a signed callback. Test keys send nothing; team keys
only to the service's members' phones. `Authorization: Bearer kn_notify_...` (a key from the console, not an
integration client's token)."""

import datetime as dt
from collections import Counter
from uuid import UUID

from ninja import Field, Query, Router, Schema

from django.http import Http404

from ketnoi.notify.auth import NotifyKeyAuth
from ketnoi.notify.selectors import notifications_of
from ketnoi.notify.services import MAX_BATCH, Request, notification_send, notifications_send

from ..paging import PageParams, page_of
from ..schemas import ERRORS, ErrorOut, refuse_past

router = Router(tags=["notifications"], auth=NotifyKeyAuth())
NOTIFY_ERRORS = {**ERRORS, 429: ErrorOut}
STATUSES = ("created", "sending", "sent", "delivered", "seen", "failed")


class NotificationIn(Schema):
    template_id: UUID = Field(..., description="The template's id (console → Templates).")
    phone: str = Field("", max_length=20, description="The recipient's phone (0912…, 84912…, +84912…).")
    zalo_user_id: str = Field("", max_length=64, description="Or: the recipient's user id on one of your OAs.")
    oa_id: str = Field("", max_length=64, description="With zalo_user_id: which OA (its Zalo OA id).")
    personalisation: dict[str, str] = Field(
        {}, description="A value for each ((placeholder)) of the template; a missing or empty one is refused."
    )
    reference: str = Field("", max_length=100, description="Your own id for the message, to find it again.")
    idempotency_key: str = Field(
        "", max_length=100, description="Sending the same key again returns the first notification, sends nothing."
    )

    def as_request(self) -> Request:
        return Request(template_id=str(self.template_id), phone=self.phone.strip(),
                       zalo_user_id=self.zalo_user_id.strip(), oa_id=self.oa_id.strip(),
                       personalisation=self.personalisation, reference=self.reference,
                       idempotency_key=self.idempotency_key)  # fmt: skip


class NotificationTemplateOut(Schema):
    id: UUID
    version: int


class NotificationOut(Schema):
    id: UUID = Field(..., alias="uuid")
    reference: str
    to: str = Field(..., description="The phone or Zalo user id it was sent to.")
    status: str = Field(..., description="created, sending, sent (SMS: no receipt), delivered, seen or failed.")
    status_reason: str = Field(..., alias="failure_reason", description="Why it failed.")
    channel: str = Field(..., alias="via", description="zalo (consultation), zbs, sms, test; empty until tried.")
    cost: int = Field(..., description="In đồng.")
    template: NotificationTemplateOut
    body: str = Field(..., description="The consultation message as filled in.")
    created_at: dt.datetime
    sent_at: dt.datetime | None
    delivered_at: dt.datetime | None
    seen_at: dt.datetime | None

    @staticmethod
    def resolve_to(obj) -> str:
        return obj.recipient_phone or obj.recipient_user_id

    @staticmethod
    def resolve_template(obj) -> dict:
        return {"id": obj.template_version.template.uuid, "version": obj.template_version.version}


class NotificationBatchIn(Schema):
    notifications: list[NotificationIn] = Field(
        ...,
        min_length=1,
        description=f"1 to {MAX_BATCH:,} notifications; more is refused whole with 413.",
        json_schema_extra={"maxItems": MAX_BATCH},
    )


class NotificationResultOut(Schema):
    index: int
    id: UUID | None
    status: str = Field(..., description="created, existing (idempotency key seen before) or error")
    code: str
    message: str


class NotificationBatchOut(Schema):
    results: list[NotificationResultOut]
    counts: dict[str, int]


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None


class NotificationFilters(PageParams):
    status: str = Field("", pattern="^(|" + "|".join(STATUSES) + ")$", description="Only this status.")
    reference: str = Field("", max_length=100, description="Only this reference.")


@router.post(
    "/notifications",
    response={201: NotificationOut, 200: NotificationOut, **NOTIFY_ERRORS},
    summary="Send one notification",
)
def notification_create(request, payload: NotificationIn):
    from ..api import api  # the API this router is mounted on (which imports this module)

    notification, created = notification_send(api_key=request.auth, request=payload.as_request())
    return api.create_response(request, notification_out(notification), status=201 if created else 200)


def notification_out(obj) -> dict:
    """NotificationOut as its fields and resolvers give it (the GET answers the same), built directly: checking a
    model of it again was a twelfth of a call's CPU."""
    version = obj.template_version
    return {
        "id": obj.uuid,
        "reference": obj.reference,
        "to": NotificationOut.resolve_to(obj),
        "status": str(obj.status),
        "status_reason": obj.failure_reason,
        "channel": str(obj.via),
        "cost": obj.cost,
        "template": {"id": version.template.uuid, "version": version.version},
        "body": obj.body,
        "created_at": obj.created_at,
        "sent_at": obj.sent_at,
        "delivered_at": obj.delivered_at,
        "seen_at": obj.seen_at,
    }


@router.post(
    "/notifications/batch",
    response={200: NotificationBatchOut, **NOTIFY_ERRORS},
    summary=f"Send up to {MAX_BATCH:,} notifications (one result each)",
)
def notification_batch(request, batch: NotificationBatchIn):
    refuse_past(batch.notifications, MAX_BATCH, "notifications")
    outcomes = notifications_send(api_key=request.auth, requests=[n.as_request() for n in batch.notifications])
    results = []
    for outcome in outcomes:
        status = "error" if outcome.notification is None else ("created" if outcome.created else "existing")
        results.append({"index": outcome.index, "id": outcome.notification.uuid if outcome.notification else None,
                        "status": status, "code": outcome.code, "message": outcome.message})  # fmt: skip
    return {"results": results, "counts": dict(Counter(r["status"] for r in results))}


@router.get(
    "/notifications/{notification_id}",
    response={200: NotificationOut, **NOTIFY_ERRORS},
    summary="One notification and its status",
)
def notification_get(request, notification_id: UUID):
    notification = notifications_of(api_key=request.auth).filter(uuid=notification_id).first()
    if notification is None:
        raise Http404
    return notification


@router.get(
    "/notifications",
    response={200: NotificationPage, **NOTIFY_ERRORS},
    summary="The service's notifications, in pages (filter by status and reference)",
)
def notification_list(request, filters: Query[NotificationFilters]):
    rows = notifications_of(api_key=request.auth, status=filters.status, reference=filters.reference)
    return page_of(rows, filters)
