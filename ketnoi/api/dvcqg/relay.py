"""The relay: each accepted payload is forwarded unchanged to the client's upstream (the real DVCQG adapter or
the province's integration platform), from its own durable queue, so pointing a one-stop system at ketnoi never
cuts it off from the national portal and ketnoi's own processing never waits on the upstream.

Exactly once as far as ketnoi can make it: the item is written in the acceptance's transaction; the items are a
work queue (ketnoi.core.queue, configured below as RELAY): a worker claims an item (status SENDING, `claimed_until`)
under a row lock, and only the claimant's own attempt may settle it. A worker killed mid-send leaves a claim that
runs out, the sweeper puts the item back and it is sent again, with the same `Idempotency-Key` header so an
upstream that honours it drops the copy. A client's items go in the order they were accepted. Failures back off
exponentially with jitter; after DVCQG_RELAY_MAX_ATTEMPTS the item is dead and waits in the console's dead-letter
list for a retry.
"""

import json
import logging
from dataclasses import dataclass, field

import httpx

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ketnoi.core.actor import as_actor
from ketnoi.core.audit import audit_record
from ketnoi.core.errors import ApplicationError
from ketnoi.core.queue import WorkQueue

from .models import DvcqgClient, DvcqgRequest, RelayItem, RelayStatus, seal
from .services.accounts import store_upstream_session, upstream_credentials

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30
CLAIM_SECONDS = TIMEOUT_SECONDS * 2
RETRYABLE_STATUSES = frozenset({408, 425, 429})


def _setting(name: str, default):
    return getattr(settings, name, default)


@dataclass
class Target:
    url: str
    headers: dict = field(default_factory=dict)
    swap_session: bool = False


def adapter_target(client: DvcqgClient, dstcode: str) -> Target:
    """With upstream credentials of its own, the relay speaks as itself (its session, its dstcode); otherwise the
    call goes on as it came."""
    if client.upstream_auth_url:
        dstcode = upstream_credentials(client).get("dstcode", "") or dstcode
    headers = {"dstcode": dstcode} if dstcode else {}
    return Target(url=client.upstream_url, headers=headers, swap_session=bool(client.upstream_auth_url))


def array_target(client: DvcqgClient, action: str, query: str) -> Target:
    url = client.upstream_url.rstrip("/") + "/" + action
    return Target(url=url + ("?" + query if query else ""))


def enqueue(*, client: DvcqgClient, request: DvcqgRequest, body: bytes, target: Target) -> RelayItem:
    """In the caller's transaction; the send is kicked off after commit (and by the scheduled job anyway)."""
    item = RelayItem.objects.create(
        client=client,
        request=request,
        url=target.url[:500],
        body_sealed=seal(body.decode("utf-8", errors="replace")),
        headers=target.headers,
        swap_session=target.swap_session,
    )
    transaction.on_commit(_kick)
    return item


def _kick() -> None:
    from .tasks import relay_pending

    try:
        relay_pending.enqueue()
    except Exception:  # the scheduled job picks the item up in any case
        logger.warning("Could not queue the relay task; the scheduled job will send it.", exc_info=True)


RELAY = WorkQueue(
    model=RelayItem,
    key=("client_id",),  # a client's line: the upstream never gets a dossier's steps before the dossier
    waiting=Q(status=RelayStatus.PENDING),
    holds_line=lambda now: Q(status__in=[RelayStatus.PENDING, RelayStatus.SENDING]),
    due_field="next_attempt_at",
    order_by=("next_attempt_at", "id"),
    waiting_status=RelayStatus.PENDING,
    in_flight_status=RelayStatus.SENDING,
    dead_status=RelayStatus.DEAD,
    lease_until_field="claimed_until",
    lease_seconds=CLAIM_SECONDS,
    max_attempts=lambda: int(_setting("DVCQG_RELAY_MAX_ATTEMPTS", 12)),
    retry_base_seconds=lambda: float(_setting("DVCQG_RELAY_RETRY_BASE_SECONDS", 30)),
    retry_max_seconds=lambda: float(_setting("DVCQG_RELAY_RETRY_MAX_SECONDS", 3600)),
    per_key=1000,  # a run is capped by the claim's limit
)


def claim(limit: int = 20) -> list[tuple[int, int, int]]:
    """Take due items (new, retried, or put back after a dead worker's claim ran out): (id, attempt, client) each.

    In order per client: an item waits while an older one of its client is still on its way, so the upstream
    never gets a dossier's steps before the dossier (only given-up items stop holding the line). The head of each
    client's line is claimed with the items queued behind it, up to `limit`, to be sent in that order."""
    RELAY.sweep(dead_values={"last_error": "Gave up: the worker stopped while sending, too many times."})
    runs = RELAY.claim(limit=limit)
    return [(item.pk, item.attempts, item.client_id) for run in runs for item in run]


def release(pk: int, attempt: int) -> None:
    """Give back a claimed item that was not tried (an older one of its client failed first): no attempt used."""
    RELAY.release([(pk, attempt)])


def _upstream_session(http: httpx.Client, client: DvcqgClient, *, fresh: bool) -> str:
    credentials = upstream_credentials(client)
    if credentials.get("session") and not fresh:
        return credentials["session"]
    headers = {"dstcode": credentials.get("dstcode", "")} if credentials.get("dstcode") else {}
    response = http.post(
        client.upstream_auth_url,
        json={"username": credentials.get("username", ""), "password": credentials.get("password", "")},
        headers=headers,
        timeout=TIMEOUT_SECONDS,
    )
    session = str((response.json() if response.content else {}).get("session", ""))
    if not session:
        raise httpx.HTTPError(f"the upstream authentication answered {response.status_code} without a session")
    store_upstream_session(client, session)
    return session


def _body(http: httpx.Client, item: RelayItem, client: DvcqgClient, *, fresh_session: bool) -> str:
    body = item.body
    if not item.swap_session:
        return body
    payload = json.loads(body)
    payload["session"] = _upstream_session(http, client, fresh=fresh_session)
    return json.dumps(payload, ensure_ascii=False)


def _settle(pk: int, attempt: int, **values) -> bool:
    """Only the claimant of this attempt may settle the item (a slow worker whose claim expired may not)."""
    return RELAY.settle(pk, attempt, **values)


SUPERSEDED = "superseded"


def send_one(pk: int, attempt: int, http: httpx.Client | None = None) -> str:
    """Send one claimed item; a worker whose claim was taken over (it stalled past `claimed_until`) sends nothing."""
    if http is None:
        with httpx.Client(timeout=TIMEOUT_SECONDS) as own:
            return send_one(pk, attempt, own)
    item = (
        RelayItem.objects.select_related("client").filter(pk=pk, status=RelayStatus.SENDING, attempts=attempt).first()
    )
    if item is None:
        return SUPERSEDED
    headers = {"Content-Type": item.content_type, "Idempotency-Key": str(item.uuid), **item.headers}
    try:
        response = http.post(
            item.url, content=_body(http, item, item.client, fresh_session=False).encode(), headers=headers
        )
        if response.status_code == 401 and item.swap_session:
            body = _body(http, item, item.client, fresh_session=True)
            response = http.post(item.url, content=body.encode(), headers=headers)
    except (httpx.HTTPError, ValueError) as exc:
        return _failed(item, attempt, f"{type(exc).__name__}: {exc}", None, retry=True)
    answer = response.text[:2000]
    if response.is_success:
        _settle(
            pk,
            attempt,
            status=RelayStatus.SENT,
            sent_at=timezone.now(),
            upstream_status=response.status_code,
            upstream_answer=answer,
            last_error="",
        )
        return RelayStatus.SENT
    retry = response.status_code >= 500 or response.status_code in RETRYABLE_STATUSES
    return _failed(item, attempt, f"HTTP {response.status_code}", response.status_code, retry=retry, answer=answer)


def _failed(item: RelayItem, attempt: int, error: str, status: int | None, *, retry: bool, answer: str = "") -> str:
    values = {"last_error": error[:1000], "upstream_status": status, "upstream_answer": answer}
    if retry:
        outcome = RELAY.retry_later(item.pk, attempt, **values, dead_values=values)
    else:
        outcome = RelayStatus.DEAD if _settle(item.pk, attempt, status=RelayStatus.DEAD, **values) else ""
    if outcome == RelayStatus.DEAD:
        logger.warning("Relay item %s gave up after %s attempts: %s", item.uuid, attempt, error)
    return outcome or SUPERSEDED


def relay_due(limit: int = 20) -> dict[str, int]:
    """Send what is due now (the scheduled job and the on-commit task both call this), round after round while
    the upstream takes them. Counts by outcome."""
    counts: dict[str, int] = {}
    with httpx.Client(timeout=TIMEOUT_SECONDS) as http:  # connections kept open across the batch
        while True:
            claimed = claim(limit)
            if not claimed:
                return counts
            sent = 0
            held: set[int] = set()  # clients whose line stopped at an item to retry later
            for pk, attempt, client in claimed:
                if client in held:
                    release(pk, attempt)
                    continue
                outcome = send_one(pk, attempt, http)
                counts[outcome] = counts.get(outcome, 0) + 1
                sent += outcome == RelayStatus.SENT
                if outcome in (RelayStatus.PENDING, SUPERSEDED):  # retried later, or in another worker's hands
                    held.add(client)
            if not sent:  # the upstream is failing: wait for the backoff rather than spin
                return counts


@transaction.atomic
def relay_retry(*, actor, item: RelayItem) -> RelayItem:
    """A dead item goes back in the queue, due now, with a fresh count of attempts."""
    item = RelayItem.objects.select_for_update().select_related("client__api_client__unit").get(pk=item.pk)
    if item.status != RelayStatus.DEAD:
        raise ApplicationError("Only an item that was given up on can be retried.", code="not_dead")
    item.status, item.attempts, item.next_attempt_at = RelayStatus.PENDING, 0, timezone.now()
    item.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit_record(
        actor=as_actor(actor).user,
        action="dvcqg_relay.retry",
        target=item,
        unit_path=item.client.unit.path,
        after={"url": item.url},
    )
    transaction.on_commit(_kick)
    return item
