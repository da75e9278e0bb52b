"""A thin httpx client for Zalo: one method per remote operation, every call through `_request()`.

Base URLs are read from settings at call time (tests and `make run` point them at the sandbox). Application errors
come back as HTTP 200 with a non-zero `error` (reference §1.5); they raise ZaloApiError. Network failures,
timeouts and 5xx raise ZaloTransportError. Secrets go in headers only and never into messages or logs.
"""

import hashlib
import hmac
import json
import os
import threading
from typing import Any

import httpx

from django.conf import settings

from . import assumptions


class ZaloApiError(Exception):
    def __init__(self, code: int, message: str, *, http_status: int = 200) -> None:
        super().__init__(f"Zalo error {code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status


class ZaloTransportError(Exception):
    """The call may or may not have reached Zalo: timeouts, refused connections, 5xx, unreadable answers."""


_clients: dict[int, httpx.Client] = {}
_clients_lock = threading.Lock()


def http_timeout() -> httpx.Timeout:
    timeout = float(getattr(settings, "ZALO_HTTP_TIMEOUT", 10.0))
    return httpx.Timeout(timeout, connect=min(timeout, 5.0))


def _http() -> httpx.Client:
    """One pooled client per process (recreated after fork), shared by the dispatcher's threads."""
    pid = os.getpid()
    client = _clients.get(pid)
    if client is None:
        with _clients_lock:
            client = _clients.get(pid)
            if client is None:
                client = httpx.Client(
                    timeout=http_timeout(), limits=httpx.Limits(max_connections=200, max_keepalive_connections=100)
                )
                _clients[pid] = client
    return client


def appsecret_proof(app_secret: str, access_token: str) -> str:
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


class ZaloClient:
    def __init__(self, *, access_token: str = "", app_secret: str = "") -> None:
        self.access_token = access_token
        self.app_secret = app_secret

    # -- transport ---------------------------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        base: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        json_body: dict[str, Any] | None = None,
        form: dict[str, str] | None = None,
        files: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        request = self._prepare(method, base, path, query, json_body, form, files, headers)
        try:
            response = _http().request(**request)
        except httpx.TimeoutException as exc:
            raise ZaloTransportError(f"Timeout calling {path}") from exc
        except httpx.HTTPError as exc:
            raise ZaloTransportError(f"Network error calling {path}: {type(exc).__name__}") from exc
        return self._answer(response, path)

    def _prepare(self, method, base, path, query, json_body, form, files, headers) -> dict[str, Any]:
        """The httpx request arguments of one call (the same for the blocking and the async client)."""
        url = getattr(settings, base).rstrip("/") + path
        sent_headers = dict(headers or {})
        if self.access_token:
            sent_headers["access_token"] = self.access_token
            if self.app_secret and assumptions.send_appsecret_proof():
                sent_headers["appsecret_proof"] = appsecret_proof(self.app_secret, self.access_token)
        params = {"data": json.dumps(query, separators=(",", ":"), ensure_ascii=False)} if query is not None else None
        return {
            "method": method,
            "url": url,
            "params": params,
            "json": json_body,
            "data": form,
            "files": files,
            "headers": sent_headers,
        }

    @staticmethod
    def _answer(response: httpx.Response, path: str) -> dict[str, Any]:
        """Zalo's answer, or ZaloApiError / ZaloTransportError (errors come back as HTTP 200, reference §1.5)."""
        if response.status_code >= 500:
            raise ZaloTransportError(f"HTTP {response.status_code} from {path}")
        if response.status_code == 429:
            raise ZaloApiError(-32, "HTTP 429 Too Many Requests", http_status=429)
        try:
            body = response.json()
        except ValueError as exc:
            if response.status_code >= 400:
                raise ZaloApiError(-response.status_code, f"HTTP {response.status_code}", http_status=400) from exc
            raise ZaloTransportError(f"Unreadable answer from {path}") from exc
        if not isinstance(body, dict):
            raise ZaloTransportError(f"Unexpected answer from {path}")
        code = _int(body.get("error", 0))
        if code != 0:
            raise ZaloApiError(code, str(body.get("message") or body.get("error_description") or ""))
        if response.status_code >= 400:
            raise ZaloApiError(-response.status_code, f"HTTP {response.status_code}", http_status=response.status_code)
        return body

    # -- OAuth v4 (reference §1.4) -------------------------------------------------------------------------------

    def token_from_refresh(self, *, app_id: str, app_secret: str, refresh_token: str) -> dict[str, Any]:
        body = self._request(
            "POST",
            "ZALO_OAUTH_BASE",
            "/v4/oa/access_token",
            form={"refresh_token": refresh_token, "app_id": app_id, "grant_type": "refresh_token"},
            headers={"secret_key": app_secret},
        )
        return _token_answer(body)

    def token_from_code(self, *, app_id: str, app_secret: str, code: str, code_verifier: str) -> dict[str, Any]:
        body = self._request(
            "POST",
            "ZALO_OAUTH_BASE",
            "/v4/oa/access_token",
            form={"code": code, "app_id": app_id, "grant_type": "authorization_code", "code_verifier": code_verifier},
            headers={"secret_key": app_secret},
        )
        return _token_answer(body)

    # -- messages (§3, §5) ---------------------------------------------------------------------------------------

    def send_cs(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._request("POST", "ZALO_OPENAPI_BASE", "/v3.0/oa/message/cs", json_body=body).get("data") or {}

    def send_template_by_uid(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._request("POST", "ZALO_OPENAPI_BASE", "/v3.0/oa/message/template", json_body=body).get("data") or {}

    def send_template_by_phone(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._request("POST", "ZALO_BUSINESS_BASE", "/message/template", json_body=body).get("data") or {}

    def send_group(self, body: dict[str, Any]) -> dict[str, Any]:
        """A post into a group chat the OA owns (GMF; path in assumptions.gmf)."""
        path = assumptions.gmf("message_path")
        return self._request("POST", "ZALO_OPENAPI_BASE", path, json_body=body).get("data") or {}

    def create_group(self, body: dict[str, Any]) -> dict[str, Any]:
        path = assumptions.gmf("create_path")
        return self._request("POST", "ZALO_OPENAPI_BASE", path, json_body=body).get("data") or {}

    def upload_image(self, *, filename: str, content: bytes, content_type: str) -> str:
        files = {"file": (filename, content, content_type)}
        data = self._request("POST", "ZALO_OPENAPI_BASE", "/v2.0/oa/upload/image", files=files).get("data") or {}
        return str(data.get("attachment_id", ""))

    def upload_file(self, *, filename: str, content: bytes, content_type: str) -> str:
        files = {"file": (filename, content, content_type)}
        data = self._request("POST", "ZALO_OPENAPI_BASE", "/v2.0/oa/upload/file", files=files).get("data") or {}
        return str(data.get("token", ""))

    def conversation(self, *, user_id: str, offset: int = 0, count: int = assumptions.CONVERSATION_PAGE) -> list[dict]:
        query = {"user_id": user_id, "offset": offset, "count": count}
        data = self._request("GET", "ZALO_OPENAPI_BASE", "/v2.0/oa/conversation", query=query).get("data")
        return [m for m in data or [] if isinstance(m, dict)] if isinstance(data, list) else []

    # -- followers and tags (§4) ---------------------------------------------------------------------------------

    def user_list(self, *, offset: int = 0, count: int = 50, **filters: Any) -> dict[str, Any]:
        query = {"offset": offset, "count": min(count, 50), **filters}
        return self._request("GET", "ZALO_OPENAPI_BASE", "/v3.0/oa/user/getlist", query=query).get("data") or {}

    def user_detail(self, *, user_id: str) -> dict[str, Any]:
        query = {"user_id": user_id}
        return self._request("GET", "ZALO_OPENAPI_BASE", "/v3.0/oa/user/detail", query=query).get("data") or {}

    def tags_of_oa(self) -> list[str]:
        data = self._request("GET", "ZALO_OPENAPI_BASE", "/v2.0/oa/tag/gettagsofoa").get("data")
        return [str(t) for t in data] if isinstance(data, list) else []

    def tag_follower(self, *, user_id: str, tag_name: str) -> None:
        body = {"user_id": user_id, "tag_name": tag_name}
        self._request("POST", "ZALO_OPENAPI_BASE", "/v2.0/oa/tag/tagfollower", json_body=body)

    def remove_follower_from_tag(self, *, user_id: str, tag_name: str) -> None:
        body = {"user_id": user_id, "tag_name": tag_name}
        self._request("POST", "ZALO_OPENAPI_BASE", "/v2.0/oa/tag/rmfollowerfromtag", json_body=body)

    def oa_info(self) -> dict[str, Any]:
        return self._request("GET", "ZALO_OPENAPI_BASE", "/v2.0/oa/getoa").get("data") or {}


class AsyncZaloClient(ZaloClient):
    """The message calls of ZaloClient over an async client with httpx's interface (the dispatcher's
    core/async_http.AsyncHttp: hundreds of sends in flight in one process). Same requests, same answers, same
    errors."""

    def __init__(self, http: httpx.AsyncClient, *, access_token: str = "", app_secret: str = "") -> None:
        super().__init__(access_token=access_token, app_secret=app_secret)
        self.http = http

    async def _arequest(
        self, method: str, base: str, path: str, *, json_body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        request = self._prepare(method, base, path, None, json_body, None, None, None)
        try:
            response = await self.http.request(**request, timeout=http_timeout())
        except httpx.TimeoutException as exc:
            raise ZaloTransportError(f"Timeout calling {path}") from exc
        except httpx.HTTPError as exc:
            raise ZaloTransportError(f"Network error calling {path}: {type(exc).__name__}") from exc
        return self._answer(response, path)

    async def send_cs(self, body: dict[str, Any]) -> dict[str, Any]:
        answer = await self._arequest("POST", "ZALO_OPENAPI_BASE", "/v3.0/oa/message/cs", json_body=body)
        return answer.get("data") or {}

    async def send_group(self, body: dict[str, Any]) -> dict[str, Any]:
        answer = await self._arequest("POST", "ZALO_OPENAPI_BASE", assumptions.gmf("message_path"), json_body=body)
        return answer.get("data") or {}

    async def send_template_by_uid(self, body: dict[str, Any]) -> dict[str, Any]:
        answer = await self._arequest("POST", "ZALO_OPENAPI_BASE", "/v3.0/oa/message/template", json_body=body)
        return answer.get("data") or {}

    async def send_template_by_phone(self, body: dict[str, Any]) -> dict[str, Any]:
        answer = await self._arequest("POST", "ZALO_BUSINESS_BASE", "/message/template", json_body=body)
        return answer.get("data") or {}


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _token_answer(body: dict[str, Any]) -> dict[str, Any]:
    """{"access_token", "refresh_token", "expires_in": "90000"}; anything else is a failed grant."""
    if not body.get("access_token") or not body.get("refresh_token"):
        raise ZaloApiError(_int(body.get("error", -1)) or -1, "The token answer carries no token pair.")
    try:
        expires_in = int(str(body.get("expires_in", "")).strip())
    except ValueError:
        expires_in = assumptions.DEFAULT_EXPIRES_IN_SECONDS
    return {"access_token": body["access_token"], "refresh_token": body["refresh_token"], "expires_in": expires_in}
