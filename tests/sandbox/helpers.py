"""Calls to the sandbox's Zalo endpoints exactly as a Zalo client makes them."""

import hashlib
import json

import httpx

from django.conf import settings


def openapi(
    path: str, token: str, body: dict | None = None, *, get: dict | None = None, headers: dict | None = None, **kw
) -> httpx.Response:
    headers = {"access_token": token, **(headers or {})}
    url = f"{settings.ZALO_OPENAPI_BASE}{path}"
    if get is not None:
        return httpx.get(url, headers=headers, params={"data": json.dumps(get)}, **kw)
    return httpx.post(url, headers=headers, json=body, **kw)


def cs_text(token: str, user_id: str, text: str, **kw) -> dict:
    return openapi(
        "/v3.0/oa/message/cs", token, {"recipient": {"user_id": user_id}, "message": {"text": text}}, **kw
    ).json()


def zbs(token: str, body: dict) -> dict:
    return httpx.post(
        f"{settings.ZALO_BUSINESS_BASE}/message/template", headers={"access_token": token}, json=body
    ).json()


def refresh(app_id: str, secret: str, refresh_token: str) -> dict:
    return httpx.post(
        f"{settings.ZALO_OAUTH_BASE}/v4/oa/access_token",
        headers={"secret_key": secret},
        data={"refresh_token": refresh_token, "app_id": app_id, "grant_type": "refresh_token"},
    ).json()


def mac(app_id: str, raw: bytes, oa_secret_key: str) -> str:
    timestamp = json.loads(raw)["timestamp"]
    return hashlib.sha256(app_id.encode() + raw + timestamp.encode() + oa_secret_key.encode()).hexdigest()


def followed_user(sandbox, oa: dict, name: str = "Trần Thị B", phone: str | None = None) -> dict:
    """A new user who follows the OA: {uid, user_id (OA-scoped), ...}."""
    person = sandbox.create_user(name, phone=phone)
    return sandbox.follow(person["uid"], oa["oa_id"])
