"""Group chats an OA owns (Zalo GMF, issue 22): the endpoints under /v3.0/oa/group/*, what a member does on the
phone (join by the invite link, write, leave), and the group webhooks, signed like every other event.

Wire shapes follow ketnoi's reading of the public material (channels/types/zalo/assumptions.py, GMF_DEFAULTS): the
group events carry the group in `recipient.group_id` and the member in `sender.id`; messages carry `message` as
one-to-one ones do. Posts inside groups are free; a group holds at most GROUP_MAX_MEMBERS members.
"""

import unicodedata
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .conf import sandbox_setting
from .gateway import ZaloError, params, zalo_endpoint, zalo_json
from .models import Follower, GroupMessage, SandboxGroup, SandboxGroupMember, SandboxOA, ZaloUser
from .openapi import ms, parse_cs
from .webhooks import emit, now_ms


def invite_link(group: SandboxGroup) -> str:
    """Zalo's links are https://zalo.me/g/<code>; the sandbox's open its own join page on the simulated phone."""
    return settings.PUBLIC_BASE_URL + reverse("sandbox:group_link", args=[group.link_code])


# -- events ----------------------------------------------------------------------------------------------------


def group_event(group: SandboxGroup, f: Follower | None, event_name: str, message: dict | None = None) -> dict:
    event: dict[str, Any] = {
        "app_id": group.oa.app.app_id,
        "sender": {"id": f.user_id if f else group.oa.oa_id},
        "recipient": {"id": group.oa.oa_id, "group_id": group.group_id},
        "event_name": event_name,
    }
    if f is not None:
        event["user_id_by_app"] = f.user_id_by_app
    if message is not None:
        event["message"] = message
    event["timestamp"] = now_ms()
    return event


# -- the OA's endpoints ----------------------------------------------------------------------------------------


def _group(oa: SandboxOA, group_id: Any) -> SandboxGroup:
    group = SandboxGroup.objects.filter(oa=oa, group_id=str(group_id or "")).select_related("oa__app").first()
    if group is None or group.dispersed_at is not None:
        raise ZaloError(-201, "group_id is invalid")
    return group


@zalo_endpoint(methods=("POST",))
def create_group(request, oa: SandboxOA):
    """POST {group_name, group_description?, asset_id?, member_user_ids[]} -> {group_id, group_link}. Members named
    must have interacted with the OA (known here as its followers); at most GROUP_MAX_INITIAL_MEMBERS."""
    body = params(request)
    name = unicodedata.normalize("NFC", str(body.get("group_name") or "")).strip()
    if not name or len(name) > 100:
        raise ZaloError(-201, "group_name is invalid")
    member_ids = body.get("member_user_ids") or []
    if not isinstance(member_ids, list) or len(member_ids) > sandbox_setting("GROUP_MAX_INITIAL_MEMBERS"):
        raise ZaloError(-201, "member_user_ids is invalid")
    followers = list(Follower.objects.filter(oa=oa, user_id__in=[str(m) for m in member_ids]))
    if len(followers) != len(set(map(str, member_ids))):
        raise ZaloError(-201, "member_user_ids is invalid")
    with transaction.atomic():
        group = SandboxGroup.objects.create(oa=oa, name=name, description=str(body.get("group_description") or ""))
        group.oa = oa
        emit(oa, group_event(group, None, "create_group"))
        for f in followers:
            f.oa = oa
            _join(group, f)
    return zalo_json({"group_id": group.group_id, "group_link": invite_link(group)})


@zalo_endpoint(methods=("POST",))
def group_message(request, oa: SandboxOA):
    """POST {recipient: {group_id}, message: {...}}: the message object of a consultation message; free."""
    body = params(request)
    recipient = body.get("recipient") if isinstance(body.get("recipient"), dict) else {}
    group = _group(oa, recipient.get("group_id"))
    text, shown = parse_cs(oa, body.get("message"))
    if shown["kind"] in ("buttons", "request_user_info"):
        raise ZaloError(-201, "message type is not supported in groups")
    m = GroupMessage.objects.create(group=group, direction=GroupMessage.OUT, text=text, payload=shown)
    return zalo_json({"message_id": m.msg_id, "group_id": group.group_id, "sent_time": str(ms(m.created_at))})


# -- what a member does ----------------------------------------------------------------------------------------


def _join(group: SandboxGroup, f: Follower) -> SandboxGroupMember:
    member, created = SandboxGroupMember.objects.get_or_create(group=group, follower=f)
    if created or member.left_at is not None:
        if not created:
            member.left_at, member.joined_at = None, timezone.now()
            member.save(update_fields=["left_at", "joined_at"])
        emit(group.oa, group_event(group, f, "user_join_group"))
    return member


def active_count(group: SandboxGroup) -> int:
    return group.members.filter(left_at__isnull=True).count()


@transaction.atomic
def join(*, person: ZaloUser, code: str = "", group_id: str = "") -> tuple[SandboxGroup, Follower]:
    """Open the invite link and tap "Join": the person is in the group under their id on the group's OA (whether
    or not they follow it)."""
    lookup = {"link_code": code} if code else {"group_id": group_id}
    group = SandboxGroup.objects.select_related("oa__app").filter(**lookup, dispersed_at__isnull=True).first()
    if group is None:
        raise ValueError("no such group")
    f, _ = Follower.objects.get_or_create(oa=group.oa, person=person)
    f.oa = group.oa
    if active_count(group) >= sandbox_setting("GROUP_MAX_MEMBERS"):
        raise ValueError("the group is full")
    _join(group, f)
    return group, f


def _member(person: ZaloUser, group_id: str) -> tuple[SandboxGroup, Follower]:
    group = SandboxGroup.objects.select_related("oa__app").filter(group_id=group_id).first()
    f = Follower.objects.filter(oa=group.oa, person=person).first() if group else None
    if group is None or f is None or not group.members.filter(follower=f, left_at__isnull=True).exists():
        raise ValueError("not a member of this group")
    f.oa = group.oa
    return group, f


@transaction.atomic
def leave(*, person: ZaloUser, group_id: str) -> SandboxGroup:
    group, f = _member(person, group_id)
    group.members.filter(follower=f).update(left_at=timezone.now())
    emit(group.oa, group_event(group, f, "user_out_group"))
    return group


@transaction.atomic
def say(*, person: ZaloUser, group_id: str, text: str) -> GroupMessage:
    text = unicodedata.normalize("NFC", text or "").strip()
    if not text:
        raise ValueError("text is required")
    group, f = _member(person, group_id)
    m = GroupMessage.objects.create(
        group=group, follower=f, direction=GroupMessage.IN, text=text, payload={"kind": "text"}
    )
    emit(group.oa, group_event(group, f, "user_send_group_text", {"msg_id": m.msg_id, "text": text}))
    return m


def seen_by(person: ZaloUser, group: SandboxGroup):
    """What the person sees in the group: everything said since they (last) joined."""
    f = Follower.objects.filter(oa=group.oa, person=person).first()
    member = group.members.filter(follower=f).first() if f else None
    if member is None:
        return GroupMessage.objects.none()
    rows = group.messages.filter(created_at__gte=member.joined_at)
    if member.left_at is not None:
        rows = rows.filter(created_at__lte=member.left_at)
    return rows.select_related("follower__person").order_by("created_at", "id")


def groups_of(person: ZaloUser):
    return SandboxGroup.objects.filter(
        members__follower__person=person, members__left_at__isnull=True, dispersed_at__isnull=True
    ).select_related("oa")


def message_dict(m: GroupMessage) -> dict[str, Any]:
    return {
        "msg_id": m.msg_id,
        "group_id": m.group.group_id,
        "direction": m.direction,
        "from": m.follower.person.name if m.follower else m.group.oa.name,
        "uid": m.follower.person.uid if m.follower else "",
        "text": m.text,
        "kind": m.payload.get("kind", "text"),
        "payload": m.payload,
        "created_at": m.created_at.isoformat(),
    }


def group_dict(group: SandboxGroup) -> dict[str, Any]:
    return {
        "group_id": group.group_id,
        "oa_id": group.oa.oa_id,
        "name": group.name,
        "link": invite_link(group),
        "code": group.link_code,
        "members": active_count(group),
    }
