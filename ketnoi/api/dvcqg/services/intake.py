"""Receiving one DVCQG call: record it raw, apply its items through the dossier services (the same ones the native
API uses), queue it for the upstream relay, all in one transaction. Each item runs in its own savepoint: one bad
dossier does not undo the others, and the answer says which failed and why."""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from ketnoi.core.errors import ApplicationError
from ketnoi.dossiers.models import Dossier
from ketnoi.dossiers.selectors import dossier_scope_q, normalise_code
from ketnoi.dossiers.services.sync import dossier_apply_status_events, dossier_upsert_external

from .. import answers, envelope, fields, lookups, mapping, relay
from ..models import DvcqgClient, DvcqgRecord, DvcqgRequest, seal

SERVICE_LABELS = {envelope.SYNC_DOSSIERS: "Đồng bộ hồ sơ", envelope.SYNC_STEPS: "Cập nhật tiến độ"}


@dataclass
class Outcome:
    error_code: str
    message: str
    results: list[dict] = field(default_factory=list)
    extra: dict = field(default_factory=dict)


def system_of(client: DvcqgClient) -> str:
    """The external system the dossiers belong to: the client's ApiClient, as for the native API."""
    return str(client.api_client.uuid)


def find_dossier(client: DvcqgClient, code: str) -> Dossier | None:
    visible = Dossier.objects.filter(dossier_scope_q(client.api_client.as_scope()))
    dossier = visible.filter(external_system=system_of(client), external_id=code).first()
    if dossier is None:
        normal = normalise_code(code)
        dossier = visible.filter(receipt_code=normal).first() or visible.filter(aliases__code=normal).first()
    return dossier


def known_codes(client: DvcqgClient, codes: set[str]) -> set[str]:
    """Which of these MaHoSo name a dossier the client sees (by its id in the client's system, its receipt code or
    another code of it): two or three queries for a whole array of steps."""
    if not codes:
        return set()
    visible = Dossier.objects.filter(dossier_scope_q(client.api_client.as_scope()))
    system = system_of(client)
    normal = {code: normalise_code(code) for code in codes}
    found = set(
        visible.filter(external_system=system, external_id__in=codes)
        .exclude(external_id="")
        .values_list("external_id", flat=True)
    )
    by_receipt = set(visible.filter(receipt_code__in=set(normal.values())).values_list("receipt_code", flat=True))
    found |= {code for code, n in normal.items() if n in by_receipt}
    rest = {n for code, n in normal.items() if code not in found}
    if rest:
        by_alias = set(visible.filter(aliases__code__in=rest).values_list("aliases__code", flat=True))
        found |= {code for code, n in normal.items() if n in by_alias}
    return found


def _record(client: DvcqgClient, code: str) -> DvcqgRecord:
    record, _ = DvcqgRecord.objects.select_for_update().get_or_create(client=client, code=code)
    return record


def _apply_events(client: DvcqgClient, events) -> list[dict]:
    results = dossier_apply_status_events(client=client.api_client, system=system_of(client), events=events)
    return [
        {"event": e.event_id, "status": r.status, "code": r.code, "message": r.message}
        for e, r in zip(events, results, strict=True)
    ]


def _keep_raw(client: DvcqgClient, item) -> DvcqgRecord:
    """The raw object is kept whatever happens next (outside the item's savepoint): bad input loses nothing."""
    if not isinstance(item, dict):
        raise ApplicationError("Each item must be a JSON object.", code="invalid_item")
    record = _record(client, mapping.dossier_code(item))
    record.raw, record.updated_at = item, timezone.now()
    record.unknown_fields = fields.unknown_fields(item, fields.DOSSIER_FIELDS)
    record.save()
    return record


def _sync_dossier(client: DvcqgClient, record: DvcqgRecord, item: dict, env: envelope.Envelope) -> dict:
    code = record.code
    result = {"MaHoSo": code}
    existing = find_dossier(client, code)
    if existing is not None and env.is_updating is False:
        return {**result, "status": "exists", "message": f"Hồ sơ {code} đã tồn tại."}
    if existing is not None and existing.external_system != system_of(client):
        raise ApplicationError(f"Dossier {code} is kept by another system.", code="foreign_dossier")
    ignored = fields.Ignored()
    data = mapping.dossier_data(client, item, madonvi=env.madonvi, ignored=ignored)
    if existing is not None:
        data.external_id = existing.external_id
    dossier, created = dossier_upsert_external(client=client.api_client, system=system_of(client), data=data)
    record.dossier = dossier
    undated = not client.sends_steps and not record.pending_steps
    events = [e for e in [mapping.dossier_status_event(item, undated=undated)] if e is not None]
    events += [mapping.step_event(step, record=item) for step in record.pending_steps]  # updates before creates
    record.pending_steps = []
    record.save(update_fields=["dossier", "pending_steps"])
    result.update(status="created" if created else "updated", dossier=str(dossier.uuid))
    if events:
        result["events"] = _apply_events(client, events)
    if record.unknown_fields:
        result["kept_unknown_fields"] = record.unknown_fields
    if ignored:
        result["ignored"] = list(ignored)
    return result


def _sync_steps(client: DvcqgClient, items: list) -> list[dict]:
    """An array of steps: their records and dossiers looked up for the whole array at once, the steps of known
    dossiers applied as one batch of status events (dossiers.services.sync, set-based), the others parked."""
    if not client.sends_steps:
        client.sends_steps = True
        DvcqgClient.objects.filter(pk=client.pk).update(sends_steps=True)
    results: list[dict] = []
    readable: list[tuple[int, dict, str]] = []
    for index, step in enumerate(items):
        try:
            if not isinstance(step, dict):
                raise ApplicationError("Each item must be a JSON object.", code="invalid_item")
            readable.append((index, step, mapping.dossier_code(step)))
            results.append({"index": index})
        except ApplicationError as exc:
            results.append({"index": index, "status": "error", "code": exc.code, "message": exc.message})
    codes = {code for _i, _s, code in readable}
    known = known_codes(client, codes)
    supplement_codes = {code for _i, step, code in readable if fields.text(step.get("TrangThai")) in ("5", "9")}
    records = {
        r.code: r for r in DvcqgRecord.objects.filter(client=client, code__in=supplement_codes & known)
    }  # the dossier object's supplement rounds, for what a supplement step asks
    events, indexes = [], []
    parked: dict[str, list[tuple[str, dict]]] = {}
    for index, step, code in readable:
        try:
            ignored = fields.Ignored()
            record = records.get(code)
            event = mapping.step_event(step, record=record.raw if record else None, ignored=ignored)
            noted = {"ignored": list(ignored)} if ignored else {}
            if code not in known:  # a step before its dossier: kept until the dossier arrives
                parked.setdefault(code, []).append((event.event_id, step))
                results[index] = {"index": index, "MaHoSo": code, "status": "parked", **noted}
                continue
            events.append(event)
            indexes.append(index)
            results[index] = {"index": index, "MaHoSo": code, "status": "pending", **noted}
        except ApplicationError as exc:
            results[index] = {
                "index": index,
                "MaHoSo": code,
                "status": "error",
                "code": exc.code,
                "message": exc.message,
            }
    for code, steps in parked.items():
        _park(client, code, steps)
    if events:
        applied = dossier_apply_status_events(client=client.api_client, system=system_of(client), events=events)
        for index, outcome in zip(indexes, applied, strict=True):
            status = "error" if outcome.status == "error" else outcome.status
            results[index].update(status=status, code=outcome.code, message=outcome.message)
    return results


def _park(client: DvcqgClient, code: str, steps: list[tuple[str, dict]]) -> None:
    """Steps that came before their dossier, added to its record once each (a step sent again is the same step):
    one read and one write per dossier, not per step, which made an array of 1,000 steps quadratic (500,500
    mappings and 1,000 ever longer writes, 75 s)."""
    with transaction.atomic():
        record = _record(client, code)
        seen = {mapping.step_event(s).event_id for s in record.pending_steps}
        new = []
        for event_id, step in steps:
            if event_id not in seen:
                seen.add(event_id)
                new.append(step)
        if new:
            record.pending_steps = [*record.pending_steps, *new]
            record.save(update_fields=["pending_steps"])


def _sync(client: DvcqgClient, env: envelope.Envelope) -> Outcome:
    if env.service == envelope.SYNC_STEPS:
        results = _sync_steps(client, env.items)
    else:
        results = []
        for index, item in enumerate(env.items):
            try:
                with transaction.atomic():
                    record = _keep_raw(client, item)
                with transaction.atomic():
                    results.append({"index": index, **_sync_dossier(client, record, item, env)})
            except (ApplicationError, IntegrityError) as exc:
                code = getattr(exc, "code", "conflict")
                message = getattr(exc, "message", "Written at the same moment by another request; send it again.")
                results.append({"index": index, "status": "error", "code": code, "message": message})
    failed = sum(r["status"] == "error" for r in results)
    existing = sum(r["status"] == "exists" for r in results)
    error_code, message = answers.summary(SERVICE_LABELS[env.service], len(results), failed, existing)
    first = next((r for r in results if r["status"] == "error"), None)
    if first is not None:  # the caller's log (and the console's list) then says what went wrong
        message += f" Lỗi đầu tiên ({first.get('MaHoSo') or first['index']}): {first['message']}"
    noted = [r for r in results if r.get("ignored")]
    if noted:  # accepted, but something was not used: said in the answer, not only in the results
        fields_ignored = sorted({i["field"] for r in noted for i in r["ignored"]})
        message += f" Bỏ qua giá trị không hợp lệ ở {len(noted)} mục ({', '.join(fields_ignored)}; xem results)."
    return Outcome(error_code, message, results)


def _answer(client: DvcqgClient, env: envelope.Envelope) -> Outcome:
    if env.service in (envelope.SYNC_DOSSIERS, envelope.SYNC_STEPS):
        return _sync(client, env)
    if env.service == envelope.LOOKUP_DOSSIER:
        return Outcome(answers.OK, "Tra cứu thành công.", extra={"result": lookups.dossier(client, env.params)})
    if env.service == envelope.LOOKUP_PROCEDURE:
        return Outcome(answers.OK, "Tra cứu thành công.", extra={"result": lookups.procedure(env.params)})
    return Outcome(answers.FAILED, f"Dịch vụ {env.service} chưa được hỗ trợ; đã ghi nhận và chuyển tiếp (nếu bật).")


def dvcqg_receive(
    *,
    client: DvcqgClient,
    style: str,
    path: str,
    body: bytes,
    env: envelope.Envelope | None,
    error: ApplicationError | None = None,
    relay_target: relay.Target | None = None,
) -> tuple[DvcqgRequest, Outcome]:
    """Accept the call: record it raw and queue it for the upstream (every parsed call but the read-only ones), in
    one transaction. Then apply it item by item, each in its own transaction as the native API applies its events,
    so each citizen notice leaves when its event commits and a long batch holds no lock on the others; the answer
    is stored on the call at the end (a call cut off half-way keeps an empty answer, and its relay row)."""
    with transaction.atomic():
        request = DvcqgRequest.objects.create(
            client=client,
            style=style,
            service=env.service if env else "",
            path=path[:300],
            body_sealed=seal(body.decode("utf-8", errors="replace")),
            items=len(env.items) if env else 0,
            error_code="",
            message="…",
        )
        if env is not None and env.service not in envelope.READ_ONLY and client.relay_enabled and relay_target:
            relay.enqueue(client=client, request=request, body=body, target=relay_target)
    outcome = Outcome(answers.FAILED, error.message if error else "") if env is None else _answer(client, env)
    request.failed = sum(r.get("status") == "error" for r in outcome.results)
    request.error_code, request.message, request.results = outcome.error_code, outcome.message, outcome.results
    request.save(update_fields=["failed", "error_code", "message", "results"])
    return request, outcome
