"""Documents to process, for the province's document-management system (hệ thống quản lý văn bản và điều hành):
push what it assigned to officials — number, title, deadline, link, assignees — and ketnoi tells each official on
the internal channel and reminds them once before the deadline. Idempotent by the document's id in your system:
send the whole document again when it changes (new deadline, other assignees, processed)."""

import datetime as dt
from collections import Counter

from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from ketnoi.documents.selectors import documents_of
from ketnoi.documents.services import MAX_BATCH, DocumentData, documents_receive

from ..paging import ChangedSince, PageParams, page_of
from ..schemas import ERRORS, JsonBool, refuse_past
from .dossiers import or_empty, parse_day

router = Router(tags=["documents"])


class DocumentIn(Schema):
    external_id: str = Field(..., min_length=1, max_length=100, description="The document's id in your system.")
    number: str = Field(..., min_length=1, max_length=60, description="Số, ký hiệu (e.g. 125/UBND-VP).")
    title: str = Field(..., min_length=1, max_length=500, description="Trích yếu.")
    deadline: dt.date | None = Field(
        None, description="Hạn xử lý (YYYY-MM-DD or YYYYMMDD).", json_schema_extra=or_empty("date")
    )
    link: str = Field(..., max_length=500, description="Where the official opens it in your system (http/https).")
    assignees: list[str] = Field(
        ..., min_length=1, max_length=50, description="Console user names or e-mail addresses of the officials."
    )
    done: JsonBool = Field(False, description="Processed: no more reminders.")

    _day = field_validator("deadline", mode="before")(parse_day)


class DocumentBatchIn(Schema):
    documents: list[DocumentIn] = Field(
        ...,
        min_length=1,
        description=f"1 to {MAX_BATCH} documents; more is refused whole with 413.",
        json_schema_extra={"maxItems": MAX_BATCH},
    )


class DocumentResultOut(Schema):
    index: int
    external_id: str
    status: str = Field(..., description="created, updated, unchanged or error")
    code: str
    message: str
    notified: list[str] = Field([], description="Officials told now (newly assigned).")


class DocumentBatchOut(Schema):
    results: list[DocumentResultOut]
    counts: dict[str, int]


class AssignmentOut(Schema):
    official: str
    state: str

    @staticmethod
    def resolve_official(obj) -> str:
        return obj.official.get_username()


class DocumentOut(Schema):
    external_id: str
    number: str
    title: str
    deadline: dt.date | None
    link: str
    done: bool = Field(..., alias="is_done")
    assignments: list[AssignmentOut]

    @staticmethod
    def resolve_assignments(obj) -> list:
        return list(obj.assignments.all())


def _system(request) -> str:
    return str(request.auth.uuid)


@router.post(
    "/documents",
    response={200: DocumentBatchOut, **ERRORS},
    summary="Documents assigned to officials (up to 500 a call)",
)
def documents_push(request, batch: DocumentBatchIn):
    refuse_past(batch.documents, MAX_BATCH, "documents")
    items = [DocumentData(**document.dict()) for document in batch.documents]
    results = documents_receive(unit=request.auth.unit, system=_system(request), client_label=request.auth.name,
                                items=items)  # fmt: skip
    return {"results": [r.__dict__ for r in results], "counts": dict(Counter(r.status for r in results))}


class DocumentPage(Schema):
    items: list[DocumentOut]
    next_cursor: str | None


class DocumentFilters(PageParams, ChangedSince):
    external_id: str = Field("", max_length=100, description="Only the document with this id in your system.")


@router.get(
    "/documents",
    response={200: DocumentPage, **ERRORS},
    summary="The documents this client sent, in pages (filter by id or change time)",
)
def documents_list(request, filters: Query[DocumentFilters]):
    documents = documents_of(system=_system(request), external_id=filters.external_id)
    return page_of(documents, filters, updated_since=filters.updated_since)
