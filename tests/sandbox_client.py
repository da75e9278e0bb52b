"""SandboxClient: the Zalo sandbox's control API over HTTP, for tests (fixture `zalo_sandbox` in conftest.py).

Users are named by the uid that create_user returns (or by any OA-scoped user_id of theirs); OAs by oa_id.
"""

import time
from typing import Any

import httpx


class SandboxError(AssertionError):
    pass


class SandboxClient:
    def __init__(self, base_url: str, *, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(base_url=f"{self.base_url}/sandbox/control/", timeout=timeout)

    def _post(self, path: str, **body: Any) -> Any:
        return self._check(self.http.post(path, json={k: v for k, v in body.items() if v is not None}))

    def _get(self, path: str, **query: Any) -> Any:
        return self._check(self.http.get(path, params={k: v for k, v in query.items() if v is not None}))

    @staticmethod
    def _check(response: httpx.Response) -> Any:
        if response.status_code != 200:
            raise SandboxError(f"sandbox control {response.request.url}: {response.status_code} {response.text}")
        return response.json()

    # apps and OAs
    def create_oa(self, name: str, webhook_url: str | None = None, rate_limit_per_minute: int | None = None) -> dict:
        """-> {name, app_id, app_secret, oa_id, oa_secret_key, access_token, refresh_token, expires_in, webhook_url}"""
        return self._post("oas", name=name, webhook_url=webhook_url, rate_limit_per_minute=rate_limit_per_minute)

    def oas(self) -> list[dict]:
        return self._get("oas")

    def set_webhook(self, oa_id: str, url: str) -> dict:
        return self._post(f"oas/{oa_id}", webhook_url=url)

    def set_rate_limit(self, oa_id: str, per_minute: int | None) -> dict:
        return self._post(f"oas/{oa_id}", rate_limit_per_minute=per_minute)

    def expire_token(self, app_id: str | None = None, oa_id: str | None = None, *, invalidate: bool = False) -> dict:
        """The current access tokens now answer -220 (expired), or -216 (invalid) with invalidate=True."""
        action = "invalidate" if invalidate else "expire"
        if oa_id:
            return self._post(f"oas/{oa_id}/token", action=action)
        if app_id:
            return self._post(f"apps/{app_id}/token", action=action)
        raise ValueError("app_id or oa_id")

    def new_grant(self, oa_id: str) -> dict:
        """A fresh access + refresh pair, as the console's API Explorer gives."""
        return self._post(f"oas/{oa_id}/token", action="grant")

    def auth_code(self, oa_id: str, code_challenge: str = "") -> str:
        """The code an OA admin's consent would send to the callback (valid 10 minutes, once)."""
        return self._post(f"oas/{oa_id}/token", action="code", code_challenge=code_challenge)["code"]

    # users and what they do
    def create_user(self, name: str, phone: str | None = None, address: str | None = None) -> dict:
        """-> {uid, id (= uid), name, phone ("84..."), address}"""
        return self._post("users", name=name, phone=phone, address=address)

    def follow(self, user_id: str, oa_id: str, source: str = "", token: str = "") -> dict:
        """-> {uid, oa_id, user_id (OA-scoped), user_id_by_app, is_follower, last_interaction_at}"""
        return self._post("follow", user=user_id, oa_id=oa_id, source=source, token=token)

    def unfollow(self, user_id: str, oa_id: str) -> dict:
        return self._post("unfollow", user=user_id, oa_id=oa_id)

    def send_text(self, user_id: str, oa_id: str, text: str) -> dict:
        return self._post("send", user=user_id, oa_id=oa_id, type="text", text=text)

    def send_image(self, user_id: str, oa_id: str, url: str = "", text: str = "") -> dict:
        return self._post("send", user=user_id, oa_id=oa_id, type="image", url=url, text=text)

    def send_file(self, user_id: str, oa_id: str, url: str = "", filename: str = "") -> dict:
        return self._post("send", user=user_id, oa_id=oa_id, type="file", url=url, filename=filename)

    def send_location(self, user_id: str, oa_id: str, latitude: float, longitude: float) -> dict:
        return self._post("send", user=user_id, oa_id=oa_id, type="location", latitude=latitude, longitude=longitude)

    def send_sticker(self, user_id: str, oa_id: str, sticker_id: str = "") -> dict:
        return self._post("send", user=user_id, oa_id=oa_id, type="sticker", sticker_id=sticker_id)

    def tap(self, user_id: str, oa_id: str, payload: str, hidden: bool = False) -> dict:
        """Tap an oa.query.show/hide button: its payload arrives as user_send_text."""
        return self._post("tap", user=user_id, oa_id=oa_id, payload=payload, hidden=hidden)

    def submit_info(self, user_id: str, oa_id: str, name: str, phone: str, address: str = "") -> dict:
        return self._post("submit_info", user=user_id, oa_id=oa_id, name=name, phone=phone, address=address)

    def click_chatnow(self, user_id: str, oa_id: str) -> dict:
        return self._post("chatnow", user=user_id, oa_id=oa_id)

    def mark_seen(self, user_id: str, oa_id: str, msg_ids: list[str] | None = None) -> list[str]:
        return self._post("seen", user=user_id, oa_id=oa_id, msg_ids=msg_ids)["msg_ids"]

    def set_last_interaction(self, user_id: str, oa_id: str, *, hours_ago: float) -> dict:
        """Move the user's last interaction with the OA into the past (no webhook), for the windows."""
        return self._post("interaction", user=user_id, oa_id=oa_id, hours_ago=hours_ago)

    # group chats (GMF) on the phone
    def groups(self, *, oa_id: str | None = None, user: str | None = None) -> list[dict]:
        """{group_id, oa_id, name, link, code, members} of an OA's groups, or of the groups a person is in."""
        return self._get("groups", oa_id=oa_id, user=user)

    def join_group(self, user: str, link: str) -> dict:
        """Open the group's invite link on the person's phone and join."""
        return self._post("groups/join", user=user, link=link)

    def leave_group(self, user: str, group_id: str) -> dict:
        return self._post("groups/leave", user=user, group_id=group_id)

    def send_group_text(self, user: str, group_id: str, text: str) -> dict:
        return self._post("groups/send", user=user, group_id=group_id, text=text)

    def group_messages(self, group_id: str, user: str | None = None) -> list[dict]:
        """What `user` sees in the group (since they joined), or everything said in it."""
        return self._get("groups/messages", group_id=group_id, user=user)

    # what the sandbox saw
    def messages(self, **filters: Any) -> list[dict]:
        """The sink. Filters: oa_id, user (uid or user_id), phone, since (ISO), tracking_id, direction (out|in|all;
        default out = what OAs sent). Each: {msg_id, oa_id, user_id, uid, phone, direction, endpoint (cs, template,
        zbs), tracking_id, text, payload, cost, window, created_at, delivered_at, seen_at}."""
        if "user_id" in filters:
            filters["user"] = filters.pop("user_id")
        return self._get("messages", **filters)

    def count_messages(self, **filters: Any) -> int:
        """How many messages match (same filters as messages()), without fetching them."""
        if "user_id" in filters:
            filters["user"] = filters.pop("user_id")
        return self._get("messages", count="1", **filters)["count"]

    def deliveries(self, oa_id: str | None = None, event_name: str | None = None) -> list[dict]:
        """Webhook deliveries: {id, oa_id, event_name, url, body, signature, state, attempts:[{at, num_retry,
        status, error}]}; state pending | delivered | failed | dropped."""
        return self._get("deliveries", oa_id=oa_id, event_name=event_name)

    def set_faults(self, app_id: str | None = None, oa_id: str | None = None, **faults: Any) -> dict:
        """latency_ms, error_rate, timeout_rate, lost_response_rate, timeout_seconds, rate_limit_seconds,
        drop_webhooks, expire_token ("expire" | "invalidate"). No app_id/oa_id: the global switch."""
        return self._post("faults", app_id=app_id, oa_id=oa_id, **faults)

    def wait_deliveries(
        self, oa_id: str, event_name: str | None = None, count: int = 1, state: str = "delivered", timeout: float = 15
    ) -> list[dict]:
        """Poll until at least `count` deliveries of that event reach `state`; they are sent in the background."""
        deadline = time.monotonic() + timeout
        while True:
            found = [d for d in self.deliveries(oa_id, event_name) if state is None or d["state"] == state]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def reset(self) -> dict:
        return self._post("reset")

    def close(self) -> None:
        self.http.close()
