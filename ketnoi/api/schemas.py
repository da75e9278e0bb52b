import datetime as dt
from uuid import UUID

from ninja import Schema


class ErrorOut(Schema):
    code: str
    message: str


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
