"""The control API under /sandbox/control/: JSON in, JSON out, for tests, `make run` and the phone page.

Users are named by their sandbox uid (from POST users) or by any OA-scoped user_id of theirs.
"""

import datetime as dt
import json
from functools import wraps
from typing import Any

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from ketnoi.core.http import BodyTooLarge, read_body
from ketnoi.core.phones import InvalidPhoneNumber

from . import actions, faults, groups, webhooks
from .conf import sandbox_setting
from .models import (
    FaultSwitch,
    Follower,
    Message,
    SandboxApp,
    SandboxOA,
    SandboxPage,
    Template,
    WebhookDelivery,
    ZaloUser,
)
from .oauth import issue_grant, new_auth_code


class BadRequest(Exception):
    pass


def control(methods: tuple[str, ...] = ("POST",)):
    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if request.method not in methods:
                return JsonResponse({"error": f"use {' or '.join(methods)}"}, status=405)
            try:
                if request.method == "POST":  # a phone's very long message passes, as the phone page sends it
                    body = json.loads(read_body(request, limit=sandbox_setting("PHONE_POST_MAX_BYTES")) or b"{}")
                else:
                    body = request.GET.dict()
                if not isinstance(body, dict):
                    raise BadRequest("the body must be a JSON object")
                return JsonResponse(view(request, body, *args, **kwargs), safe=False)
            except (BadRequest, ValueError, InvalidPhoneNumber) as exc:
                return JsonResponse({"error": str(exc)}, status=400)
            except BodyTooLarge as exc:
                return JsonResponse({"error": str(exc)}, status=413)

        return wrapper

    return decorate


def need(body: dict[str, Any], name: str) -> Any:
    value = body.get(name)
    if value in (None, ""):
        raise BadRequest(f"'{name}' is required")
    return value


def get_oa(oa_id: Any) -> SandboxOA:
    oa = SandboxOA.objects.select_related("app").filter(oa_id=str(oa_id)).first()
    if oa is None:
        raise BadRequest(f"no OA {oa_id}")
    return oa


def get_person(user: Any) -> ZaloUser:
    person = ZaloUser.objects.filter(uid=str(user)).first()
    if person is None:
        f = Follower.objects.select_related("person").filter(user_id=str(user)).first()
        person = f.person if f else None
    if person is None:
        raise BadRequest(f"no user {user}")
    return person


def user_and_oa(body: dict[str, Any]) -> tuple[ZaloUser, SandboxOA]:
    return get_person(body.get("user") or need(body, "user_id")), get_oa(need(body, "oa_id"))


def oa_dict(oa: SandboxOA) -> dict[str, Any]:
    return {"name": oa.name, "app_id": oa.app.app_id, "oa_id": oa.oa_id, "webhook_url": oa.webhook_url}


def follower_dict(f: Follower) -> dict[str, Any]:
    return {
        "uid": f.person.uid,
        "oa_id": f.oa.oa_id,
        "user_id": f.user_id,
        "user_id_by_app": f.user_id_by_app,
        "is_follower": f.is_follower,
        "last_interaction_at": f.last_interaction_at.isoformat() if f.last_interaction_at else None,
    }


def message_dict(m: Message) -> dict[str, Any]:
    return {
        "msg_id": m.msg_id,
        "oa_id": m.oa.oa_id,
        "user_id": m.follower.user_id if m.follower else "",
        "uid": m.follower.person.uid if m.follower else "",
        "phone": m.phone,
        "direction": m.direction,
        "endpoint": m.endpoint,
        "tracking_id": m.tracking_id,
        "text": m.text,
        "payload": m.payload,
        "cost": m.cost,
        "window": m.window,
        "created_at": m.created_at.isoformat(),
        "delivered_at": m.delivered_at.isoformat() if m.delivered_at else None,
        "seen_at": m.seen_at.isoformat() if m.seen_at else None,
    }


@control(("GET", "POST"))
@transaction.atomic
def oas(request, body):
    """POST {name, webhook_url?, rate_limit_per_minute?}: a new app with one OA and a token pair."""
    if request.method == "GET":
        return [oa_dict(oa) for oa in SandboxOA.objects.select_related("app")]
    name = need(body, "name")
    app = SandboxApp.objects.create(name=name, rate_limit_per_minute=body.get("rate_limit_per_minute"))
    oa = SandboxOA.objects.create(app=app, name=name, webhook_url=body.get("webhook_url") or "")
    grant = issue_grant(oa)
    return {
        **oa_dict(oa),
        "app_secret": app.secret_key,
        "oa_secret_key": oa.secret_key,
        "access_token": grant.access_token,
        "refresh_token": grant.refresh_token,
        "expires_in": str(int((grant.access_expires_at - timezone.now()).total_seconds())),
    }


@control()
def oa_settings(request, body, oa_id):
    """{webhook_url?, rate_limit_per_minute?}"""
    oa = get_oa(oa_id)
    if "webhook_url" in body:
        oa.webhook_url = body["webhook_url"] or ""
        oa.save(update_fields=["webhook_url"])
    if "rate_limit_per_minute" in body:
        oa.app.rate_limit_per_minute = body["rate_limit_per_minute"] or None
        oa.app.save(update_fields=["rate_limit_per_minute"])
    return oa_dict(oa)


@control()
def oa_token(request, body, oa_id):
    """{action: "expire" | "invalidate" | "grant" | "code", code_challenge?}"""
    oa = get_oa(oa_id)
    action = body.get("action", "expire")
    if action == "grant":
        grant = issue_grant(oa)
        return {"access_token": grant.access_token, "refresh_token": grant.refresh_token}
    if action == "code":
        return {"code": new_auth_code(oa, body.get("code_challenge", "")).code, "oa_id": oa.oa_id}
    if action in ("expire", "invalidate"):
        return {"tokens": faults.expire_tokens(oa=oa, invalid=action == "invalidate")}
    raise BadRequest("action must be expire, invalidate, grant or code")


@control()
def app_token(request, body, app_id):
    app = SandboxApp.objects.filter(app_id=app_id).first()
    if app is None:
        raise BadRequest(f"no app {app_id}")
    return {"tokens": faults.expire_tokens(app=app, invalid=body.get("action") == "invalidate")}


@control(("GET", "POST"))
def users(request, body):
    """POST {name, phone?, address?}"""
    if request.method == "GET":
        return [{"uid": u.uid, "name": u.name, "phone": u.phone} for u in ZaloUser.objects.all()]
    person = actions.create_user(
        name=need(body, "name"), phone=body.get("phone") or "", address=body.get("address", "")
    )
    return {"uid": person.uid, "id": person.uid, "name": person.name, "phone": person.phone, "address": person.address}


@control()
def follow(request, body):
    person, oa = user_and_oa(body)
    f = actions.follow(person=person, oa=oa, source=body.get("source", ""), token=body.get("token", ""))
    return follower_dict(f)


@control()
def unfollow(request, body):
    person, oa = user_and_oa(body)
    return follower_dict(actions.unfollow(person=person, oa=oa))


@control()
def send(request, body):
    """{user, oa_id, type: text|image|file|location|sticker, text?, url?, filename?, latitude?, longitude?}"""
    person, oa = user_and_oa(body)
    kind = body.get("type", "text")
    if kind not in ("text", "image", "file", "location", "sticker"):
        raise BadRequest("type must be text, image, file, location or sticker")
    m = actions.send(
        person=person,
        oa=oa,
        kind=kind,
        text=body.get("text", ""),
        url=body.get("url", ""),
        filename=body.get("filename", ""),
        latitude=body.get("latitude"),
        longitude=body.get("longitude"),
        sticker_id=body.get("sticker_id", ""),
    )
    return message_dict(m)


@control()
def tap(request, body):
    """A tapped oa.query.show / oa.query.hide button: its payload arrives as user_send_text."""
    person, oa = user_and_oa(body)
    m = actions.send(person=person, oa=oa, kind="query", text=need(body, "payload"), hidden=bool(body.get("hidden")))
    return message_dict(m)


@control()
def submit_info(request, body):
    person, oa = user_and_oa(body)
    f = actions.submit_info(
        person=person, oa=oa, name=need(body, "name"), phone=body.get("phone", ""), address=body.get("address", "")
    )
    return {**follower_dict(f), "info": f.shared_info}


@control()
def chatnow(request, body):
    person, oa = user_and_oa(body)
    return follower_dict(actions.click_chatnow(person=person, oa=oa))


@control()
def seen(request, body):
    person, oa = user_and_oa(body)
    return {"msg_ids": actions.mark_seen(person=person, oa=oa, msg_ids=body.get("msg_ids") or None)}


@control()
def interaction(request, body):
    """Move the last interaction: {user, oa_id, hours_ago} or {user, oa_id, at: ISO datetime}. No webhook."""
    person, oa = user_and_oa(body)
    f = actions.follower_of(person, oa)
    if body.get("at"):
        at = parse_datetime(body["at"])
        if at is None:
            raise BadRequest("'at' must be an ISO datetime")
    else:
        at = timezone.now() - dt.timedelta(hours=float(need(body, "hours_ago")))
    f.last_interaction_at = at
    f.save(update_fields=["last_interaction_at"])
    return follower_dict(f)


@control(("GET",))
def messages(request, body):
    """?oa_id= &user= &phone= &since= (ISO) &direction=out|in|all (default out: what OAs sent) &tracking_id=
    &count=1 answers {"count": n} instead of the list."""
    qs = Message.objects.select_related("oa", "follower__person")
    direction = body.get("direction", "out")
    if direction != "all":
        qs = qs.filter(direction=direction)
    if body.get("oa_id"):
        qs = qs.filter(oa__oa_id=body["oa_id"])
    if body.get("user"):
        person = get_person(body["user"])
        qs = qs.filter(follower__person=person) | qs.filter(phone=person.phone or "-", follower__isnull=True)
    if body.get("phone"):
        qs = qs.filter(phone=actions.zalo_phone(body["phone"]))
    if body.get("tracking_id"):
        qs = qs.filter(tracking_id=body["tracking_id"])
    if body.get("since"):
        since = parse_datetime(body["since"])
        if since is None:
            raise BadRequest("'since' must be an ISO datetime")
        qs = qs.filter(created_at__gte=since)
    if body.get("count") in ("1", "true"):
        return {"count": qs.count()}
    return [message_dict(m) for m in qs.order_by("created_at", "id")]


@control(("GET",))
def deliveries(request, body):
    """?oa_id= &event_name="""
    qs = WebhookDelivery.objects.select_related("oa")
    if body.get("oa_id"):
        qs = qs.filter(oa__oa_id=body["oa_id"])
    if body.get("event_name"):
        qs = qs.filter(event_name=body["event_name"])
    return [
        {
            "id": d.pk,
            "oa_id": d.oa.oa_id,
            "event_name": d.event_name,
            "url": d.url,
            "body": d.body,
            "signature": d.signature,
            "state": d.state,
            "attempts": d.attempts,
        }
        for d in qs
    ]


@control(("GET", "POST"))
def fault_switch(request, body):
    """POST {scope: global | app:<id> | oa:<id>  (or app_id / oa_id), latency_ms, error_rate, timeout_rate,
    lost_response_rate, timeout_seconds, rate_limit_seconds, drop_webhooks, expire_token: "expire"|"invalidate"}"""
    if request.method == "GET":
        return [faults.as_dict(s) for s in FaultSwitch.objects.all()]
    body = dict(body)
    app_id, oa_id = body.pop("app_id", None), body.pop("oa_id", None)
    scope = body.pop("scope", None) or (f"oa:{oa_id}" if oa_id else f"app:{app_id}" if app_id else "global")
    expire = body.pop("expire_token", None)
    switch = faults.set_faults(scope=scope, **body)
    if expire:
        if scope.startswith("oa:"):
            faults.expire_tokens(oa=get_oa(scope[3:]), invalid=expire == "invalidate")
        elif scope.startswith("app:"):
            faults.expire_tokens(app=SandboxApp.objects.get(app_id=scope[4:]), invalid=expire == "invalidate")
    return faults.as_dict(switch)


@control(("GET",))
def group_list(request, body):
    """The groups of an OA (oa_id) or of a person (user), each with its invite link and member count."""
    if body.get("user"):
        found = groups.groups_of(get_person(body["user"]))
    else:
        found = groups.SandboxGroup.objects.filter(oa=get_oa(need(body, "oa_id"))).select_related("oa")
    return [groups.group_dict(g) for g in found]


@control()
def group_join(request, body):
    """{user, link | code | group_id}: open the invite link on the phone and join."""
    link = str(body.get("link") or "")
    code = str(body.get("code") or "") or (link.rstrip("/").rsplit("/", 1)[-1] if link else "")
    group, f = groups.join(person=get_person(need(body, "user")), code=code, group_id=str(body.get("group_id") or ""))
    return {**groups.group_dict(group), "user_id": f.user_id}


@control()
def group_leave(request, body):
    group = groups.leave(person=get_person(need(body, "user")), group_id=str(need(body, "group_id")))
    return groups.group_dict(group)


@control()
def group_send(request, body):
    m = groups.say(person=get_person(need(body, "user")), group_id=str(need(body, "group_id")), text=need(body, "text"))
    return groups.message_dict(m)


@control(("GET",))
def group_messages(request, body):
    """What a member sees in a group (user + group_id), or everything said in it (group_id alone)."""
    group = groups.SandboxGroup.objects.filter(group_id=str(need(body, "group_id"))).select_related("oa").first()
    if group is None:
        raise BadRequest("no such group")
    rows = groups.seen_by(get_person(body["user"]), group) if body.get("user") else group.messages.all()
    return [groups.message_dict(m) for m in rows.select_related("group__oa", "follower__person")]


@control()
def reset(request, body):
    """Forget everything: apps, OAs, users, messages, deliveries, faults.

    The background jobs are waited for before the transaction opens: they write (a delivery's outcome, and the
    receiving web server may be this process), and on SQLite a transaction holds the write lock from its start, so
    waiting inside it made each job wait out the busy timeout (10 s) and fail."""
    webhooks.reset()
    with transaction.atomic():
        for model in (WebhookDelivery, Message, Follower, FaultSwitch, SandboxOA, SandboxApp, ZaloUser, SandboxPage):
            model.objects.all().delete()
    return {"ok": True}


def template_fields(body: dict[str, Any]) -> dict[str, Any]:
    params = body.get("params") or []
    if not isinstance(params, list) or not all(isinstance(p, dict) and p.get("name") for p in params):
        raise BadRequest("params: a list of {name, type?, require?, maxLength?, minLength?}")
    status = body.get("status") or Template.ENABLE
    if status not in Template.STATUS_CODES:
        raise BadRequest(f"status: one of {', '.join(Template.STATUS_CODES)}")
    return {
        "name": str(need(body, "name")),
        "status": status,
        "tag": str(body.get("tag") or "TRANSACTION"),
        "price": int(body.get("price") or 300),
        "params": [
            {
                "name": str(p["name"]),
                "require": bool(p.get("require", True)),
                "type": str(p.get("type") or "STRING"),
                "maxLength": int(p.get("maxLength") or 30),
                "minLength": int(p.get("minLength") or 0),
                "acceptNull": bool(p.get("acceptNull", False)),
            }
            for p in params
        ],
    }


def template_dict(t: Template) -> dict[str, Any]:
    return {"template_id": t.template_id, "name": t.name, "status": t.status, "params": t.params, "tag": t.tag}


@control(methods=("GET", "POST"))
def oa_templates(request, body, oa_id):
    """GET: the OA's ZBS templates. POST {template_id, name, params: [{name, type?, require?, maxLength?}], status?,
    tag?, price?}: register (or replace) one, as approval in Zalo's console would."""
    oa = get_oa(oa_id)
    if request.method == "GET":
        return [template_dict(t) for t in oa.templates.all()]
    template, _ = Template.objects.update_or_create(
        oa=oa, template_id=str(need(body, "template_id")), defaults=template_fields(body)
    )
    return template_dict(template)
