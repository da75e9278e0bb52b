"""The Graph API calls the Messenger channel makes: the Send API, blocking and async, and nothing else.

The page access token goes in the `Authorization` header (never in the URL, so it cannot reach an access log).
Facebook answers errors with a 4xx/5xx and {"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}:
those raise MessengerApiError; network failures, timeouts and answers that are not that shape raise
MessengerTransportError (the message may or may not have reached Facebook).
"""

import os
import threading
from typing import Any

import httpx

from . import assumptions


class MessengerApiError(Exception):
    def __init__(self, code: int, message: str, *, subcode: int = 0, http_status: int = 400) -> None:
        super().__init__(f"Messenger error {code}/{subcode}: {message}")
        self.code = code
        self.subcode = subcode
        self.message = message
        self.http_status = http_status


class MessengerTransportError(Exception):
    """The call may or may not have reached Facebook."""


_clients: dict[int, httpx.Client] = {}
_lock = threading.Lock()


def _http() -> httpx.Client:
    """One pooled client per process (recreated after a fork)."""
    pid = os.getpid()
    client = _clients.get(pid)
    if client is None:
        with _lock:
            client = _clients.get(pid)
            if client is None:
                timeout = assumptions.http_timeout()
                client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)))
                _clients[pid] = client
    return client


def messages_url(page_id: str) -> str:
    return f"{assumptions.graph_base()}/{page_id}/messages"


def headers(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}", "Content-Type": "application/json"}


def read_answer(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise MessengerTransportError(f"HTTP {response.status_code}: the answer is not JSON.") from None
    if not isinstance(data, dict):
        raise MessengerTransportError(f"HTTP {response.status_code}: unexpected answer.")
    error = data.get("error")
    if isinstance(error, dict):
        try:
            code = int(error.get("code") or 0)
            subcode = int(error.get("error_subcode") or 0)
        except (TypeError, ValueError):
            code, subcode = 0, 0
        raise MessengerApiError(
            code, str(error.get("message") or ""), subcode=subcode, http_status=response.status_code
        )
    if response.status_code >= 500:
        raise MessengerTransportError(f"HTTP {response.status_code}.")
    if response.status_code >= 400 or not data.get("message_id"):
        raise MessengerApiError(0, f"HTTP {response.status_code} without an error object.", http_status=400)
    return data


def send_message(*, page_id: str, access_token: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        response = _http().post(messages_url(page_id), json=body, headers=headers(access_token))
    except httpx.HTTPError as exc:
        raise MessengerTransportError(exc.__class__.__name__) from exc
    return read_answer(response)


async def send_message_async(
    http: httpx.AsyncClient, *, page_id: str, access_token: str, body: dict[str, Any]
) -> dict[str, Any]:
    try:
        response = await http.post(messages_url(page_id), json=body, headers=headers(access_token))
    except httpx.HTTPError as exc:
        raise MessengerTransportError(exc.__class__.__name__) from exc
    return read_answer(response)
