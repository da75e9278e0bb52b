"""Only services write (#20 item 4): a model write (save, create, update, delete, bulk_*, get_or_create,
update_or_create) in production code appears only in a services module (`services.py` or a `services/` package),
a migration, a demo seeder (`demo*.py`) or a model's own save(); the machinery below is listed with its reason.

A write is recognised by its receiver: a manager or queryset (`X.objects....`, `_base_manager`, `.filter(...)`
chains), or `.save()`/`.delete()` on anything but a few non-model objects (files, workbooks, images, caches); or
it is one of the one-statement write functions of core/prepared.py and core/sql.py."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "ketnoi"
WRITES = {"save", "create", "update", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
INSTANCE_WRITES = {"save", "delete"}
# The one-statement writes of the hot paths (ketnoi/core/prepared.py, ketnoi/core/sql.py), called as functions.
FUNCTION_WRITES = {"update_fields", "insert", "insert_new_rows"}
QUERYSET_METHODS = {"filter", "exclude", "select_for_update", "all", "select_related", "only", "order_by", "using"}
NOT_MODELS = {"workbook", "image", "default_storage", "storage", "self.client", "cache", "pdf", "document", "canvas"}

# path (from ketnoi/) -> why it writes outside a service. Machinery that *is* a write path, not a domain decision.
ALLOWED = {
    "core/queue.py": "the work-queue mechanism: claims, leases and settling are its whole job",
    "core/audit.py": "audit_record, the audit row every service writes",
    "pipeline/claimer.py": "the inbound queue's event status (handled, failed)",
    "channels/tasks.py": "the retry job puts failed inbound events back in the queue",
    "channels/types/zalo/tokens.py": "the OA token refresh stores the new pair under its own lock",
    "channels/types/webchat/type.py": "the web chat channel type stores what it sends (its outbox side)",
    "outbox/outcomes.py": "the dispatcher's settling of a send (sent, retry, dead)",
    "outbox/fallback.py": "the dispatcher's next fallback step (a new outbox row)",
    "outbox/quotas.py": "the dispatcher's token buckets",
    "outbox/scheduler.py": "the scheduler's job locks",
    "dossiers/codes.py": "the daily receipt-code sequence, inside dossier_receive's transaction",
    "dossiers/jobs.py": "the scheduled job that offers an apology prompt for an overdue dossier",
    "reports/aggregation.py": "the report tables are derived data, rebuilt by the aggregation job",
    "accounts/twofactor.py": "django-otp devices and recovery codes (the library's models)",
    "api/auth.py": "an API client's last-used stamp, once a minute",
    "api/dvcqg/relay.py": "the relay's queue items (a core/queue.py work queue)",
    "ops/retention.py": "the retention job deletes in batches and records its runs",
    "ops/keys.py": "key rotation re-encrypts every secret column",
    "ops/citizen_data.py": "a citizen's erasure (a recorded, audited operator command)",
    "notify/auth.py": "an API key's last-used stamp (as api/auth.py)",
    "notify/callbacks.py": "the signed callbacks' work queue (a core/queue.py queue)",
    "notify/events.py": "the event relay job's cursor",
    "notify/tracking.py": "notification statuses following their outbox rows (receipts, the tracking job)",
}


def _is_demo(path: Path) -> bool:
    return path.name.startswith("demo") or path.parent.name == "demo"


def _in_scope(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    if parts[0] == "sandbox" or "migrations" in parts or "management" in parts:
        return False  # the sandbox is no production code; commands call services (seeders are demos)
    return not (path.name == "services.py" or "services" in parts or _is_demo(path))


def _receiver(node: ast.Attribute) -> str:
    return ast.unparse(node.value)


def _is_model_write(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name) and func.id in FUNCTION_WRITES:
        return True
    if not isinstance(func, ast.Attribute) or func.attr not in WRITES:
        return False
    receiver = _receiver(func)
    if ".objects" in receiver or "_base_manager" in receiver or "_default_manager" in receiver:
        return True
    value = func.value
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in QUERYSET_METHODS:
        return True  # some_queryset.filter(...).update(...)
    if func.attr in INSTANCE_WRITES:
        if receiver == "super()":
            return False  # a model's own save() calling Django's
        return receiver not in NOT_MODELS and not receiver.startswith("self")
    return False


def model_writes_outside_services() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        if not _in_scope(path):
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _is_model_write(node):
                where = str(path.relative_to(ROOT))
                found.setdefault(where, []).append(f"{node.lineno}: {ast.unparse(node.func)[:80]}")
    return found


def test_model_writes_appear_only_in_services():
    outside = {path: lines for path, lines in model_writes_outside_services().items() if path not in ALLOWED}
    assert not outside, "Model writes outside services (move them into the app's services):\n" + "\n".join(
        f"  ketnoi/{path}:{line}" for path, lines in outside.items() for line in lines
    )


def test_the_allowlist_is_still_needed():
    """A file that no longer writes leaves the list, so the list stays the exceptions that exist."""
    writers = model_writes_outside_services()
    assert sorted(set(ALLOWED) - set(writers)) == []


def test_the_check_recognises_writes():
    def writes(source: str) -> bool:
        return any(_is_model_write(n) for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call))

    assert writes("Dossier.objects.create(code='x')")
    assert writes("Dossier.objects.filter(pk=1).update(state='x')")
    assert writes("rows.filter(pk=1).delete()")
    assert writes("dossier.save(update_fields=['state'])")
    assert writes("Model._base_manager.bulk_update(rows, ['a'])")
    assert writes("update_fields(person, ['tags'])")
    assert writes("insert(step)")
    assert not writes("context.update(page=1)")
    assert not writes("workbook.save(buffer)")
    assert not writes("super().save(*args, **kwargs)")
