"""The simulated phone at /sandbox/: pick or create a Zalo user, follow OAs by link or QR, chat with them.

Server-rendered with htmx. The chat polls every 1.5 s and is only re-rendered when something changed (204
otherwise), so a half-filled form survives. Showing OA messages marks them seen (user_seen_message).
"""

import segno

from django.contrib import messages as flash
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ketnoi.core.http import BodyTooLarge, csrf_refusal, read_body
from ketnoi.core.phones import InvalidPhoneNumber

from . import actions, faults, groups
from .conf import sandbox_setting
from .models import (
    FaultSwitch,
    Follower,
    Message,
    SandboxApp,
    SandboxGroup,
    SandboxOA,
    SandboxPage,
    Upload,
    ZaloUser,
)

SESSION_KEY = "sandbox_uid"


def media(request, key):
    upload = get_object_or_404(Upload, key=key)
    response = HttpResponse(bytes(upload.content), content_type=upload.content_type or "application/octet-stream")
    response["Content-Disposition"] = f'inline; filename="{upload.filename}"'
    return response


def current_person(request: HttpRequest) -> ZaloUser | None:
    uid = request.session.get(SESSION_KEY)
    return ZaloUser.objects.filter(uid=uid).first() if uid else None


def _choose_person(request: HttpRequest) -> bool:
    """Handle the pick-or-create form. True when it was that form."""
    if request.POST.get("form") != "user":
        return False
    if request.POST.get("uid"):
        person = ZaloUser.objects.filter(uid=request.POST["uid"]).first()
    elif request.POST.get("name", "").strip():
        try:
            person = actions.create_user(
                name=request.POST["name"].strip(),
                phone=request.POST.get("phone", ""),
                address=request.POST.get("address", ""),
            )
        except InvalidPhoneNumber:
            flash.error(request, _("That phone number is not valid."))
            person = None
    else:
        person = None
    if person:
        request.session[SESSION_KEY] = person.uid
    return True


def follow_url(request: HttpRequest, oa: SandboxOA, token: str = "") -> str:
    url = request.build_absolute_uri(reverse("sandbox:follow_link", args=[oa.oa_id]))
    return f"{url}?token={token}" if token else url


@require_http_methods(["GET", "POST"])
def home(request: HttpRequest):
    if request.method == "POST":
        _choose_person(request)
        return redirect("sandbox:home")
    person = current_person(request)
    token = request.GET.get("token", "")
    following = {}
    if person:
        following = {f.oa_id: f for f in Follower.objects.filter(person=person)}
    oas = []
    for oa in SandboxOA.objects.select_related("app"):
        link = follow_url(request, oa, token)
        oas.append(
            {
                "oa": oa,
                "zalo_link": f"https://zalo.me/{oa.oa_id}",
                "link": link,
                "qr": segno.make(link, error="m").svg_inline(scale=3),
                "follower": following.get(oa.pk),
            }
        )
    return render(
        request,
        "sandbox/home.html",
        {
            "person": person,
            "people": ZaloUser.objects.all()[:200],
            "oas": oas,
            "token": token,
            "pages": SandboxPage.objects.all(),
            "my_groups": list(groups.groups_of(person)) if person else [],
        },
    )


@require_http_methods(["GET", "POST"])
def follow_link(request: HttpRequest, oa_id: str):
    """What opening an OA's link or QR shows: the OA profile with "Quan tâm". A token in the link rides along."""
    oa = get_object_or_404(SandboxOA.objects.select_related("app"), oa_id=oa_id)
    token = request.GET.get("token", "")
    if request.method == "POST":
        if _choose_person(request):
            return redirect(request.get_full_path())
        person = current_person(request)
        if person is None:
            return redirect(request.get_full_path())
        actions.follow(person=person, oa=oa, token=request.POST.get("token", token))
        return redirect("sandbox:chat", oa_id=oa.oa_id)
    person = current_person(request)
    f = Follower.objects.filter(oa=oa, person=person).first() if person else None
    return render(
        request,
        "sandbox/follow.html",
        {"oa": oa, "token": token, "person": person, "follower": f, "people": ZaloUser.objects.all()[:200]},
    )


def _conversation(oa: SandboxOA, person: ZaloUser):
    mine = Q(follower__person=person)
    if person.phone:
        mine |= Q(follower__isnull=True, phone=person.phone)
    return Message.objects.filter(mine, oa=oa).order_by("created_at", "id")


def _fingerprint(rows) -> str:
    last = rows.last()
    return f"{rows.count()}-{last.pk if last else 0}-{rows.filter(seen_at__isnull=False).count()}"


def chat(request: HttpRequest, oa_id: str):
    oa = get_object_or_404(SandboxOA.objects.select_related("app"), oa_id=oa_id)
    person = current_person(request)
    if person is None:
        return redirect("sandbox:home")
    f = Follower.objects.filter(oa=oa, person=person).first()
    return render(request, "sandbox/chat.html", {"oa": oa, "person": person, "follower": f, **_thread(oa, person)})


def _thread(oa: SandboxOA, person: ZaloUser) -> dict:
    if Follower.objects.filter(oa=oa, person=person).exists():
        actions.mark_seen(person=person, oa=oa)
    rows = _conversation(oa, person)
    return {"rows": list(rows), "fingerprint": _fingerprint(rows), "oa": oa, "person": person}


def chat_messages(request: HttpRequest, oa_id: str):
    oa = get_object_or_404(SandboxOA.objects.select_related("app"), oa_id=oa_id)
    person = current_person(request)
    if person is None:
        return HttpResponse(status=204)
    if request.GET.get("v") == _fingerprint(_conversation(oa, person)):
        return HttpResponse(status=204)
    return render(request, "sandbox/_thread.html", _thread(oa, person))


@csrf_exempt
@require_http_methods(["POST"])
def chat_act(request: HttpRequest, oa_id: str):
    oa = get_object_or_404(SandboxOA.objects.select_related("app"), oa_id=oa_id)
    person = current_person(request)
    if person is None:
        return redirect("sandbox:home")
    # Like the Zalo app, the phone sends a very long message as it is (past Django's 2.5 MB form limit): what the
    # OA does with it is ketnoi's to answer.
    try:
        read_body(request, limit=sandbox_setting("PHONE_POST_MAX_BYTES"))
    except BodyTooLarge as exc:
        return HttpResponse(str(exc), status=413, content_type="text/plain; charset=utf-8")
    refused = csrf_refusal(request)  # exempt from the middleware, which would refuse the size before this view
    if refused is not None:
        return refused
    act, post = request.POST.get("action", ""), request.POST
    try:
        if act == "follow":
            actions.follow(person=person, oa=oa, token=post.get("token", ""))
        elif act == "unfollow":
            actions.unfollow(person=person, oa=oa)
        elif act == "chatnow":
            actions.click_chatnow(person=person, oa=oa)
        elif act == "text" and post.get("text", "").strip():
            actions.send(person=person, oa=oa, kind="text", text=post["text"].strip())
        elif act == "tap":
            actions.send(person=person, oa=oa, kind="query", text=post["payload"], hidden=post.get("hidden") == "1")
        elif act in ("image", "file") and request.FILES.get("file"):
            upload = request.FILES["file"]
            actions.send(
                person=person,
                oa=oa,
                kind=act,
                filename=upload.name,
                content=upload.read(),
                content_type=upload.content_type or "",
            )
        elif act == "location":
            actions.send(
                person=person,
                oa=oa,
                kind="location",
                latitude=float(post.get("latitude") or 0),
                longitude=float(post.get("longitude") or 0),
            )
        elif act == "sticker":
            actions.send(person=person, oa=oa, kind="sticker")
        elif act == "submit_info":
            actions.submit_info(
                person=person,
                oa=oa,
                name=post.get("name", ""),
                phone=post.get("phone", ""),
                address=post.get("address", ""),
            )
    except (ValueError, InvalidPhoneNumber) as exc:
        flash.error(request, str(exc))
    if request.headers.get("HX-Request") and act not in ("follow", "unfollow", "chatnow"):
        return render(request, "sandbox/_thread.html", _thread(oa, person))
    return redirect("sandbox:chat", oa_id=oa.oa_id)


@require_http_methods(["GET", "POST"])
def group_link(request: HttpRequest, code: str):
    """What opening a group's invite link (or scanning its QR) shows: the group, and "Tham gia" (join)."""
    group = get_object_or_404(SandboxGroup.objects.select_related("oa"), link_code=code)
    if request.method == "POST":
        if _choose_person(request):
            return redirect(request.get_full_path())
        person = current_person(request)
        if person is None:
            return redirect(request.get_full_path())
        try:
            groups.join(person=person, code=code)
        except ValueError as exc:
            flash.error(request, str(exc))
            return redirect(request.get_full_path())
        return redirect("sandbox:group_chat", group_id=group.group_id)
    person = current_person(request)
    return render(
        request,
        "sandbox/group_join.html",
        {
            "group": group,
            "person": person,
            "people": ZaloUser.objects.all()[:200],
            "members": groups.active_count(group),
        },
    )


@require_http_methods(["GET", "POST"])
def group_chat(request: HttpRequest, group_id: str):
    """The group as a member sees it: the OA's posts and the other members' messages; write, or leave."""
    group = get_object_or_404(SandboxGroup.objects.select_related("oa__app"), group_id=group_id)
    person = current_person(request)
    if person is None:
        return redirect("sandbox:home")
    if request.method == "POST":
        try:
            if request.POST.get("action") == "leave":
                groups.leave(person=person, group_id=group_id)
                return redirect("sandbox:home")
            groups.say(person=person, group_id=group_id, text=request.POST.get("text", ""))
        except ValueError as exc:
            flash.error(request, str(exc))
        return redirect("sandbox:group_chat", group_id=group_id)
    rows = list(groups.seen_by(person, group))
    member = group.members.filter(follower__person=person, left_at__isnull=True).exists()
    return render(
        request,
        "sandbox/group_chat.html",
        {"group": group, "person": person, "rows": rows, "member": member, "members": groups.active_count(group)},
    )


@require_http_methods(["GET", "POST"])
def fault_form(request: HttpRequest):
    if request.method == "POST":
        post = request.POST
        try:
            faults.set_faults(
                scope=post.get("scope") or "global",
                latency_ms=int(post.get("latency_ms") or 0),
                error_rate=float(post.get("error_rate") or 0),
                timeout_rate=float(post.get("timeout_rate") or 0),
                lost_response_rate=float(post.get("lost_response_rate") or 0),
                timeout_seconds=float(post.get("timeout_seconds") or 0) or None,
                drop_webhooks=post.get("drop_webhooks") == "on",
                rate_limit_seconds=float(post.get("rate_limit_seconds") or 0),
            )
            scope = post.get("scope") or "global"
            grant_action = post.get("expire_token", "")
            if grant_action in ("expire", "invalidate") and scope != "global":
                kind, _sep, ident = scope.partition(":")
                invalid = grant_action == "invalidate"
                if kind == "oa":
                    faults.expire_tokens(oa=get_object_or_404(SandboxOA, oa_id=ident), invalid=invalid)
                else:
                    faults.expire_tokens(app=get_object_or_404(SandboxApp, app_id=ident), invalid=invalid)
            flash.success(request, _("Faults saved."))
        except ValueError as exc:
            flash.error(request, str(exc))
        return redirect("sandbox:faults")
    scopes = [("global", _("Everything"))]
    for oa in SandboxOA.objects.select_related("app"):
        scopes += [(f"app:{oa.app.app_id}", _("App of %(name)s") % {"name": oa.name}), (f"oa:{oa.oa_id}", oa.name)]
    return render(
        request,
        "sandbox/faults.html",
        {"switches": [faults.as_dict(s) for s in FaultSwitch.objects.all()], "scopes": scopes},
    )
