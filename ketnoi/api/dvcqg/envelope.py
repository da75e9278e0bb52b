"""The three envelopes one payload arrives in (reference §1.1): the adapter's `{session, madonvi, service,
isUpdating, data}`, a bare array at one URL per action (TD: ThemMoi / CapNhat / DongBoTienTrinh), and a bare
array with `isUpdating` and `MaDinhDanhDV` in the query string (HG's provincial relay)."""

import json
from dataclasses import dataclass, field

from ketnoi.core.errors import ApplicationError
from ketnoi.core.text import fold
from ketnoi.dossiers.services.sync import MAX_BATCH

from . import fields

SYNC_DOSSIERS = "DongBoHoSoMC"
SYNC_STEPS = "CapNhatTienDoHoSoMC"
LOOKUP_DOSSIER = "TraCuuHoSo"
LOOKUP_PROCEDURE = "LayThuTuc"
READ_ONLY = frozenset({LOOKUP_DOSSIER, LOOKUP_PROCEDURE})
# Items in one call: the batch the dossier services apply at once. Beyond it the call is refused whole (HTTP 413,
# error_code -1) before anything is applied, so the caller can resend it in smaller parts.
MAX_ITEMS = MAX_BATCH
TOO_MANY_ITEMS = "too_many_items"

# Bare-array actions, by folded name: (service, isUpdating). None: as the query string says.
ARRAY_ACTIONS: dict[str, tuple[str, bool | None]] = {
    "themmoi": (SYNC_DOSSIERS, False),
    "capnhat": (SYNC_DOSSIERS, True),
    "dongbohosomc": (SYNC_DOSSIERS, None),
    "dongbotientrinh": (SYNC_STEPS, None),
    "capnhattiendohosomc": (SYNC_STEPS, None),
}


@dataclass
class Envelope:
    service: str
    items: list = field(default_factory=list)
    is_updating: bool | None = None  # None: create or update, whichever applies
    madonvi: str = ""
    params: dict = field(default_factory=dict)
    session: str = ""


def parse_json(body: bytes):
    try:
        return json.loads(body.decode("utf-8-sig") or "null")
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApplicationError(f"The body is not JSON: {exc}.", code="invalid_json") from exc


def _updating(value) -> bool | None:
    raw = fields.text(value).lower()
    if raw in ("true", "1"):
        return True
    if raw in ("false", "0"):
        return False
    return None


def _counted(items: list) -> list:
    if len(items) > MAX_ITEMS:
        raise ApplicationError(
            f"Mỗi lần gọi tối đa {MAX_ITEMS:,} mục; lần này có {len(items):,} mục. Hãy chia nhỏ và gửi lại.".replace(
                ",", "."
            ),
            code=TOO_MANY_ITEMS,
        )
    return items


def _items(data) -> list:
    if isinstance(data, list):
        return _counted(data)
    if isinstance(data, dict):
        return [data]  # DongBoTrangThaiHoSo sends one object
    if data in (None, ""):
        return []
    raise ApplicationError("`data` must be an array of objects.", code="invalid_envelope")


def adapter_envelope(payload) -> Envelope:
    if not isinstance(payload, dict):
        raise ApplicationError("The adapter endpoint takes a JSON object.", code="invalid_envelope")
    service = fields.text(payload.get("service"))
    if not service:
        raise ApplicationError("`service` is missing.", code="invalid_envelope")
    params = {k: v for k, v in payload.items() if k not in ("session", "service", "data", "isUpdating", "madonvi")}
    return Envelope(
        service=service,
        items=_items(payload.get("data")),
        is_updating=_updating(payload.get("isUpdating")),
        madonvi=fields.text(payload.get("madonvi")),
        params=params,
        session=fields.text(payload.get("session")),
    )


def array_envelope(action: str, payload, query) -> Envelope:
    known = ARRAY_ACTIONS.get(fold(action).replace("-", "").replace("_", "").replace(" ", ""))
    if known is None:
        raise ApplicationError(f"Unknown action '{action}'.", code="unknown_action")
    service, updating = known
    if isinstance(payload, dict) and "data" in payload:  # some relays wrap the array after all
        payload = payload["data"]
    if not isinstance(payload, list):
        raise ApplicationError("This URL takes a JSON array of objects.", code="invalid_envelope")
    if updating is None:
        updating = _updating(query.get("isUpdating", ""))
    return Envelope(
        service=service, items=_counted(payload), is_updating=updating, madonvi=query.get("MaDinhDanhDV", "")
    )
