"""The sandbox's Messenger stand-in over HTTP, for tests: a page connected as a Messenger channel (its callback URL
subscribed through Facebook's handshake), and a person writing to it from the sandbox phone.

`phone.say("...")` returns what the person sees afterwards (the page's new messages, as the stand-in shows them).
"""

from typing import Any

import httpx

from ketnoi.channels.services import messenger_channel_create, webhook_url
from ketnoi.outbox.dispatcher import dispatch_once
from ketnoi.outbox.quotas import quota_backend
from tests.channels.conftest import run_inbound_queue
from tests.sandbox_client import SandboxClient, SandboxError


class MessengerStandIn:
    def __init__(self, sandbox: SandboxClient):
        self.sandbox = sandbox
        self.http = sandbox.http  # base /sandbox/control/

    def _post(self, path: str, **body: Any) -> Any:
        return self.sandbox._check(self.http.post(f"messenger/{path}", json=body))

    def _get(self, path: str, **query: Any) -> Any:
        return self.sandbox._check(self.http.get(f"messenger/{path}", params=query))

    def create_page(self, name: str) -> dict:
        return self._post("pages", name=name)

    def subscribe(self, page_id: str, url: str) -> dict:
        return self._post(f"pages/{page_id}", webhook_url=url)

    def start(self, uid: str, page_id: str, ref: str = "") -> dict:
        return self._post("start", user=uid, page_id=page_id, ref=ref)

    def say(self, uid: str, page_id: str, text: str) -> dict:
        return self._post("send", user=uid, page_id=page_id, text=text)

    def tap(self, uid: str, page_id: str, payload: str, title: str = "", kind: str = "quick_reply") -> dict:
        return self._post("tap", user=uid, page_id=page_id, payload=payload, title=title, kind=kind)

    def age(self, uid: str, page_id: str, hours: float) -> dict:
        return self._post("age", user=uid, page_id=page_id, hours=hours)

    def messages(self, uid: str, page_id: str, direction: str = "out") -> list[dict]:
        return self._get("messages", user=uid, page_id=page_id, direction=direction)

    def deliveries(self, page_id: str, field: str = "") -> list[dict]:
        return self._get("deliveries", page_id=page_id, field=field)

    def wait_deliveries(self, page_id: str, field: str, count: int, timeout: float = 20.0) -> list[dict]:
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [d for d in self.deliveries(page_id, field) if d["state"] != "pending"]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise SandboxError(f"{count} {field} webhooks to page {page_id} not delivered in {timeout} s")


def connect_sandbox_page(standin: MessengerStandIn, *, unit, name: str = "Phường Đông Hòa - Trang Facebook"):
    """A stand-in page connected as a Messenger channel; its callback URL subscribed through the GET handshake."""
    page = standin.create_page(name)
    channel = messenger_channel_create(
        actor=None,
        unit=unit,
        name=page["name"],
        page_id=page["page_id"],
        page_access_token=page["access_token"],
        app_secret=page["app_secret"],
        verify_token=page["verify_token"],
    )
    standin.subscribe(page["page_id"], webhook_url(channel))
    quota_backend().reset(channel.quota_key)
    return channel, page


class MessengerPhone:
    """A person on the sandbox phone writing to the page from Messenger."""

    def __init__(self, standin: MessengerStandIn, page_id: str, uid: str):
        self.standin, self.page_id, self.uid = standin, page_id, uid
        self.psid = ""
        self.seen = 0

    def _act(self, field: str, action) -> list[dict]:
        before = len(self.standin.deliveries(self.page_id, field))
        action()
        self.standin.wait_deliveries(self.page_id, field, count=before + 1)
        run_inbound_queue()
        dispatch_once(rounds=4)
        run_inbound_queue()
        dispatch_once(rounds=2)
        return self.new_messages()

    def new_messages(self) -> list[dict]:
        messages = self.standin.messages(self.uid, self.page_id)
        fresh, self.seen = messages[self.seen :], len(messages)
        return fresh

    def get_started(self, ref: str = "") -> list[dict]:
        def act():
            self.psid = self.standin.start(self.uid, self.page_id, ref=ref)["psid"]

        return self._act("postback", act)

    def say(self, text: str) -> list[dict]:
        return self._act("message", lambda: self.standin.say(self.uid, self.page_id, text))

    def tap(self, payload: str, title: str = "") -> list[dict]:
        """A quick reply, as a tapped query button arrives."""
        return self._act("message", lambda: self.standin.tap(self.uid, self.page_id, payload, title=title))

    def press(self, payload: str, title: str = "") -> list[dict]:
        """A postback button of a button template."""
        return self._act(
            "postback", lambda: self.standin.tap(self.uid, self.page_id, payload, title=title, kind="postback")
        )


def texts(messages: list[dict]) -> str:
    """Everything the person sees: texts, button and quick-reply titles."""
    parts = []
    for m in messages:
        parts.append(m.get("text") or "")
        parts += [f"[{b['title']}]" for b in m.get("buttons") or []]
        parts += [f"({r['title']})" for r in m.get("quick_replies") or []]
    return "\n".join(parts)


def choices(messages: list[dict]) -> dict[str, str]:
    """Quick reply payloads and postback buttons' payloads (link buttons: their URL), by title."""
    found = {}
    for m in messages:
        for r in m.get("quick_replies") or []:
            found[r["title"]] = r["payload"]
        for b in m.get("buttons") or []:
            found[b["title"]] = b.get("url") or b.get("payload")
    return found


def post_webhook(url: str, body: bytes, signature: str) -> httpx.Response:
    return httpx.post(
        url, content=body, headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature}, timeout=10
    )
