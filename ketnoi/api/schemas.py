import datetime as dt
from typing import Annotated
from uuid import UUID

from ninja import Field, Schema
from pydantic import BeforeValidator

from ketnoi.core.errors import ApplicationError


def json_number(value):
    """JSON bodies are typed as JSON: pydantic alone would take true as 1 and "5" as 5."""
    if isinstance(value, (bool, str)):
        raise ValueError("a JSON number")
    return value


def _boolean(value):
    if not isinstance(value, bool):
        raise ValueError("true or false")
    return value


JsonInt = Annotated[int, BeforeValidator(json_number)]
JsonBool = Annotated[bool, BeforeValidator(_boolean)]


def refuse_past(items: list, limit: int, what: str) -> None:
    """A batch's size limit: past it the call is refused whole (413 batch_too_large) before anything is applied."""
    if len(items) > limit:
        raise ApplicationError(
            f"A call carries at most {limit:,} {what}; this one has {len(items):,}.", code="batch_too_large"
        )


class ErrorOut(Schema):
    """Every refusal of the native API (statuses.py says which status means what)."""

    code: str = Field(..., description="Stable, machine-readable: invalid, not_found, unknown_procedure, ...")
    message: str = Field(..., description="What went wrong, in English.")
    extra: dict | None = Field(None, description="More detail where there is some, e.g. the schema errors.")


# The refusals every operation may answer, documented with their body.
ERRORS = dict.fromkeys((400, 401, 403, 404, 409, 413, 422), ErrorOut)


class UnitOut(Schema):
    uuid: UUID
    code: str
    kind: str
    name: str
    parent: UUID | None
    valid_from: dt.date | None
    valid_to: dt.date | None

    @staticmethod
    def resolve_parent(unit) -> UUID | None:
        return unit.parent.uuid if unit.parent else None


class UnitPage(Schema):
    items: list[UnitOut]
    next_cursor: str | None
