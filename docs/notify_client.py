"""A small Python client for ketnoi's notifications API (docs/notify.md), and a callback receiver check.

    from notify_client import NotifyClient, verify_callback
    client = NotifyClient("https://ketnoi.example.gov.vn", "kn_notify_live_...")
    sent = client.send(template_id="…", phone="0912345678", personalisation={"ten": "Nguyễn Văn An"},
                       reference="HD-2026-11-001", idempotency_key="HD-2026-11-001")
    client.get(sent["id"])["status"]   # created, sending, sent, delivered, seen or failed

Needs only httpx (pip install httpx). Python 3.10+.
"""

import hashlib
import hmac
import time
from collections.abc import Iterator

import httpx


class NotifyError(Exception):
    """A refusal in the API's shape: {code, message[, extra]} with the HTTP status."""

    def __init__(self, status: int, body: dict) -> None:
        super().__init__(f"{status} {body.get('code')}: {body.get('message')}")
        self.status, self.code, self.message, self.extra = (
            status,
            body.get("code"),
            body.get("message"),
            body.get("extra"),
        )


class NotifyClient:
    def __init__(self, base_url: str, api_key: str, *, timeout: float = 30.0) -> None:
        self.http = httpx.Client(
            base_url=base_url.rstrip("/") + "/api/v1",
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
        )

    def _answer(self, response: httpx.Response) -> dict:
        body = response.json()
        if response.status_code >= 400:
            raise NotifyError(response.status_code, body)
        return body

    def send(self, *, template_id: str, phone: str = "", zalo_user_id: str = "", oa_id: str = "",
             personalisation: dict | None = None, reference: str = "", idempotency_key: str = "") -> dict:  # fmt: skip
        """One notification. Sending the same idempotency_key again returns the first one and sends nothing."""
        body = {"template_id": template_id, "phone": phone, "zalo_user_id": zalo_user_id, "oa_id": oa_id,
                "personalisation": personalisation or {}, "reference": reference, "idempotency_key": idempotency_key}  # fmt: skip
        return self._answer(self.http.post("/notifications", json=body))

    def send_batch(self, notifications: list[dict]) -> dict:
        """Up to 1,000 at a time: {"results": [{index, id, status, code, message}], "counts": {...}}."""
        return self._answer(self.http.post("/notifications/batch", json={"notifications": notifications}))

    def get(self, notification_id: str) -> dict:
        return self._answer(self.http.get(f"/notifications/{notification_id}"))

    def all(self, *, status: str = "", reference: str = "") -> Iterator[dict]:
        """Every notification of the service (optionally one status or reference), following next_cursor."""
        cursor = ""
        while True:
            params = {"status": status, "reference": reference, "cursor": cursor, "limit": 1000}
            page = self._answer(self.http.get("/notifications", params=params))
            yield from page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return


def verify_callback(*, secret: str, body: bytes, timestamp: str, signature: str, tolerance: int = 300) -> bool:
    """A callback is ketnoi's if X-Ketnoi-Signature is sha256=HMAC-SHA256(secret, "<X-Ketnoi-Timestamp>.<raw body>")
    and the timestamp is recent. Check the raw bytes, before parsing the JSON."""
    try:
        if abs(time.time() - int(timestamp)) > tolerance:
            return False
    except ValueError:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)
