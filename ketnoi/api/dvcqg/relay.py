"""The relay: each accepted payload is forwarded unchanged to the client's upstream (the real DVCQG adapter or
the province's integration platform), from its own durable queue, so pointing a one-stop system at ketnoi never
cuts it off from the national portal and ketnoi's own processing never waits on the upstream.

Exactly once as far as ketnoi can make it: the item is written in the acceptance's transaction; a worker claims
it (status SENDING, `claimed_until`) under a row lock; only the claimant's own attempt may settle it. A worker
killed mid-send leaves an expired claim and the item is sent again, with the same `Idempotency-Key` header so an
upstream that honours it drops the copy. A client's items go in the order they were accepted. Failures back off exponentially with jitter; after RELAY_MAX_ATTEMPTS
the item is dead and waits in the console's dead-letter list for a retry.
"""

import datetime as dt
import json
import logging
import random
from dataclasses import dataclass, field

import httpx

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from ketnoi.core.audit import audit_record
from ketnoi.core.errors import ApplicationError

from .accounts import store_upstream_session, upstream_credentials
from .models import DvcqgClient, DvcqgRequest, RelayItem, RelayStatus, seal

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


def backoff(attempts: int) -> float:
    base = float(_setting("DVCQG_RELAY_RETRY_BASE_SECONDS", 30))
    ceiling = float(_setting("DVCQG_RELAY_RETRY_MAX_SECONDS", 3600))
    delay = min(ceiling, base * 2 ** max(attempts - 1, 0))
    return delay * random.uniform(0.8, 1.2)  # noqa: S311 (jitter, not a secret)


def claim(limit: int = 20) -> list[tuple[int, int, int]]:
    """Take due items (new, retried, or abandoned by a dead worker): (id, attempt number, client id) each.

    In order per client: an item waits while an older one of its client is still on its way, so the upstream
    never gets a dossier's steps before the dossier (only given-up items stop holding the line). The head of each
    client's line is claimed with the items queued behind it, up to `limit`, to be sent in that order."""
    now = timezone.now()
    due = Q(status=RelayStatus.PENDING, next_attempt_at__lte=now) | Q(status=RelayStatus.SENDING, claimed_until__lt=now)
    older_on_its_way = RelayItem.objects.filter(
        client_id=OuterRef("client_id"), id__lt=OuterRef("id"), status__in=[RelayStatus.PENDING, RelayStatus.SENDING]
    )
    lockable = RelayItem.objects.select_for_update(skip_locked=True)
    claimed: list[tuple[int, int, int]] = []
    with transaction.atomic():
        heads = list(
            lockable.filter(due & ~Exists(older_on_its_way))
            .order_by("next_attempt_at", "id")
            .values_list("id", "attempts", "client_id")[:limit]
        )
        for head in heads:
            claimed.append(head)
            if len(claimed) >= limit:
                break
            behind = lockable.filter(due, client_id=head[2], id__gt=head[0]).order_by("id")
            claimed += list(behind.values_list("id", "attempts", "client_id")[: limit - len(claimed)])
        for pk, attempts, _client in claimed:
            RelayItem.objects.filter(pk=pk).update(
                status=RelayStatus.SENDING,
                attempts=attempts + 1,
                claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS),
            )
    return [(pk, attempts + 1, client) for pk, attempts, client in claimed]


def release(pk: int, attempt: int) -> None:
    """Give back a claimed item that was not tried (an older one of its client failed first): no attempt used."""
    RelayItem.objects.filter(pk=pk, status=RelayStatus.SENDING, attempts=attempt).update(
        status=RelayStatus.PENDING, attempts=attempt - 1, claimed_until=None
    )


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
    return bool(RelayItem.objects.filter(pk=pk, status=RelayStatus.SENDING, attempts=attempt).update(**values))


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
            claimed_until=None,
            upstream_status=response.status_code,
            upstream_answer=answer,
            last_error="",
        )
        return RelayStatus.SENT
    retry = response.status_code >= 500 or response.status_code in RETRYABLE_STATUSES
    return _failed(item, attempt, f"HTTP {response.status_code}", response.status_code, retry=retry, answer=answer)


def _failed(item: RelayItem, attempt: int, error: str, status: int | None, *, retry: bool, answer: str = "") -> str:
    give_up = not retry or attempt >= int(_setting("DVCQG_RELAY_MAX_ATTEMPTS", 12))
    values = {"last_error": error[:1000], "upstream_status": status, "upstream_answer": answer, "claimed_until": None}
    if give_up:
        _settle(item.pk, attempt, status=RelayStatus.DEAD, **values)
        logger.warning("Relay item %s gave up after %s attempts: %s", item.uuid, attempt, error)
        return RelayStatus.DEAD
    next_at = timezone.now() + dt.timedelta(seconds=backoff(attempt))
    _settle(item.pk, attempt, status=RelayStatus.PENDING, next_attempt_at=next_at, **values)
    return RelayStatus.PENDING


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
        actor=actor if getattr(actor, "pk", None) else None,
        action="dvcqg_relay.retry",
        target=item,
        unit_path=item.client.unit.path,
        after={"url": item.url},
    )
    transaction.on_commit(_kick)
    return item
