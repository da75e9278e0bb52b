"""Followers (list, detail, update), tags, OA info and uploads of images, GIFs and files (reference §4, §8)."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import events
from .conf import sandbox_setting
from .gateway import ZaloError, params, zalo_endpoint, zalo_json
from .models import Follower, SandboxOA, Upload
from .openapi import follower
from .webhooks import emit

PERIODS = {"TODAY": 0, "YESTERDAY": 1, "L7D": 7, "L30D": 30}


@zalo_endpoint(methods=("GET",))
def user_getlist(request, oa: SandboxOA):
    data = params(request)
    try:
        offset, count = int(data.get("offset", 0)), int(data.get("count", 50))
    except (TypeError, ValueError) as exc:
        raise ZaloError(-201, "offset or count is invalid") from exc
    if not 0 <= offset <= 9951 or not 0 < count <= 50:
        raise ZaloError(-201, "offset or count is invalid")
    qs = Follower.objects.filter(oa=oa).order_by("id")
    if data.get("is_follower") is not None:
        qs = qs.filter(is_follower=bool(data["is_follower"]))
    else:
        qs = qs.filter(is_follower=True)
    if data.get("tag_name"):
        qs = qs.filter(pk__in=[f.pk for f in qs if data["tag_name"] in f.tags])
    period = data.get("last_interaction_period")
    if period:
        qs = _in_period(qs, str(period))
    total = qs.count()
    users = [{"user_id": f.user_id} for f in qs[offset : offset + count]]
    return zalo_json({"total": total, "count": len(users), "offset": offset, "users": users})


def _in_period(qs, period: str):
    today = timezone.localdate()
    if period in PERIODS:
        start = today - dt.timedelta(days=PERIODS[period])
        end = today - dt.timedelta(days=1) if period == "YESTERDAY" else today
    else:
        try:
            first, last = period.split(":")
            start = dt.datetime.strptime(first, "%Y_%m_%d").date()  # noqa: DTZ007 - a calendar date
            end = dt.datetime.strptime(last, "%Y_%m_%d").date()  # noqa: DTZ007
        except ValueError as exc:
            raise ZaloError(-201, "last_interaction_period is invalid") from exc
    return qs.filter(last_interaction_at__date__gte=start, last_interaction_at__date__lte=end)


@zalo_endpoint(methods=("GET",))
def user_detail(request, oa: SandboxOA):
    f = follower(oa, params(request).get("user_id"))
    info = f.shared_info or {}
    last = timezone.localtime(f.last_interaction_at).strftime("%d/%m/%Y") if f.last_interaction_at else ""
    return zalo_json(
        {
            "user_id": f.user_id,
            "user_id_by_app": f.user_id_by_app,
            "user_external_id": "",
            "display_name": f.person.name,
            "user_alias": f.alias,
            "is_sensitive": False,
            "user_last_interaction_date": last,
            "user_is_follower": f.is_follower,
            "avatar": "",
            "avatars": {"120": "", "240": ""},
            "dynamic_param": f.dynamic_param,
            "tags_and_notes_info": {"notes": [], "tag_names": f.tags},
            "shared_info": {
                "address": info.get("address", ""),
                "city": info.get("city", ""),
                "district": info.get("district", ""),
                "phone": info.get("phone", ""),
                "name": info.get("name", ""),
            },
        }
    )


@zalo_endpoint(methods=("GET",))
def tags_of_oa(request, oa: SandboxOA):
    return zalo_json(list(oa.tags))


def _tag_params(request) -> tuple[dict[str, Any], str]:
    data = params(request)
    name = data.get("tag_name")
    if not isinstance(name, str) or not name.strip():
        raise ZaloError(-201, "tag_name is invalid")
    return data, name.strip()


@zalo_endpoint(methods=("POST",))
@transaction.atomic
def tag_follower(request, oa: SandboxOA):
    """Creates the tag when it does not exist; emits add_user_to_tag."""
    data, name = _tag_params(request)
    f = follower(oa, data.get("user_id"))
    oa = SandboxOA.objects.select_for_update().select_related("app").get(pk=oa.pk)
    if name not in oa.tags:
        oa.tags = [*oa.tags, name]
        oa.save(update_fields=["tags"])
    if name not in f.tags:
        f.tags = [*f.tags, name]
        f.save(update_fields=["tags"])
    f.oa = oa
    emit(oa, events.user_to_tag(oa, f, name))
    return zalo_json({})


@zalo_endpoint(methods=("POST",))
def untag_follower(request, oa: SandboxOA):
    data, name = _tag_params(request)
    f = follower(oa, data.get("user_id"))
    if name in f.tags:
        f.tags = [t for t in f.tags if t != name]
        f.save(update_fields=["tags"])
    return zalo_json({})


@zalo_endpoint(methods=("POST",))
@transaction.atomic
def remove_tag(request, oa: SandboxOA):
    _, name = _tag_params(request)
    oa = SandboxOA.objects.select_for_update().get(pk=oa.pk)
    if name not in oa.tags:
        raise ZaloError(-201, "tag_name is invalid")
    oa.tags = [t for t in oa.tags if t != name]
    oa.save(update_fields=["tags"])
    for f in Follower.objects.filter(oa=oa):
        if name in f.tags:
            f.tags = [t for t in f.tags if t != name]
            f.save(update_fields=["tags"])
    return zalo_json({})


@zalo_endpoint(methods=("GET",))
def get_oa(request, oa: SandboxOA):
    return zalo_json(
        {
            "oaid": oa.oa_id,
            "oa_id": oa.oa_id,
            "name": oa.name,
            "description": "",
            "is_verified": True,
            "oa_type": 4,  # Government
            "cate_name": "Cơ quan nhà nước",
            "num_follower": Follower.objects.filter(oa=oa, is_follower=True).count(),
            "avatar": "",
            "cover": "",
            "package_name": "Tăng trưởng",
            "package_valid_through_date": "31/12/2099",
            "linked_ZCA": True,
        }
    )


SHARED_INFO_FIELDS = ("name", "phone", "address", "city", "district")


@zalo_endpoint(methods=("POST",))
def user_update(request, oa: SandboxOA):
    """POST /v3.0/oa/user/update {user_id, user_alias?, shared_info?{name, phone, address, city, district}}: what
    the OA keeps about a follower (shown again by user/detail)."""
    data = params(request)
    f = follower(oa, data.get("user_id"))
    alias = data.get("user_alias")
    shared = data.get("shared_info")
    if alias is None and shared is None:
        raise ZaloError(-201, "user_alias or shared_info is required")
    if alias is not None:
        if not isinstance(alias, str) or len(alias) > 100:
            raise ZaloError(-201, "user_alias is invalid")
        f.alias = alias.strip()
    if shared is not None:
        if not isinstance(shared, dict) or any(k not in SHARED_INFO_FIELDS for k in shared):
            raise ZaloError(-201, "shared_info is invalid")
        if any(not isinstance(v, str) or len(v) > 300 for v in shared.values()):
            raise ZaloError(-201, "shared_info is invalid")
        f.shared_info = {**(f.shared_info or {}), **shared}
    f.save(update_fields=["alias", "shared_info"])
    return zalo_json()


UPLOAD_LIMITS = {
    Upload.IMAGE: ("IMAGE_TYPES", "IMAGE_MAX_BYTES"),
    Upload.GIF: ("GIF_TYPES", "GIF_MAX_BYTES"),
    Upload.FILE: ("FILE_TYPES", "FILE_MAX_BYTES"),
}


def _upload(request, oa: SandboxOA, kind: str) -> Upload:
    file = request.FILES.get("file")
    if file is None:
        raise ZaloError(-201, "file is invalid")
    extension = file.name.rsplit(".", 1)[-1].lower() if "." in file.name else ""
    types, size = UPLOAD_LIMITS[kind]
    allowed, limit = sandbox_setting(types), sandbox_setting(size)
    if extension not in allowed:
        raise ZaloError(-201, "file type is invalid")
    if file.size > limit:
        raise ZaloError(-201, "file size is invalid")
    return Upload.objects.create(
        oa=oa, kind=kind, filename=file.name, content_type=file.content_type or "", content=file.read()
    )


@zalo_endpoint(methods=("POST",))
def upload_image(request, oa: SandboxOA):
    return zalo_json({"attachment_id": _upload(request, oa, Upload.IMAGE).key})


@zalo_endpoint(methods=("POST",))
def upload_gif(request, oa: SandboxOA):
    return zalo_json({"attachment_id": _upload(request, oa, Upload.GIF).key})


@zalo_endpoint(methods=("POST",))
def upload_file(request, oa: SandboxOA):
    return zalo_json({"token": _upload(request, oa, Upload.FILE).key})
