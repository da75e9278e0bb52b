"""Procedures for an integrating one-stop system: read the catalog, create or update procedures by code.

Writes go through the catalog import (ketnoi.procedures.services.procedure_import), so the API and the console's
file import validate a procedure the same way. A client writes only procedures whose competent agency lies in
its unit (a province-level client also the shared ones without an agency).
"""

import json
from typing import Literal

from ninja import Field, Query, Router, Schema

from django.db.models import Q
from django.http import Http404

from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.orgs.models import Agency
from ketnoi.procedures.models import Procedure
from ketnoi.procedures.services import procedure_import

from ..paging import ChangedSince, PageParams, page_of
from ..schemas import ERRORS, JsonBool, JsonInt

router = Router(tags=["procedures"])


NOT_BLANK = r"\S"


class ProcedureDocumentIn(Schema):
    name: str = Field(..., min_length=1, max_length=500, pattern=NOT_BLANK, description="What the citizen brings.")
    copies: JsonInt = Field(1, ge=0, le=100, description="Copies to bring (0 is taken as 1).")
    note: str = Field("", max_length=1000)


class ProcedureFormIn(Schema):
    name: str = Field(..., min_length=1, max_length=500, pattern=NOT_BLANK)
    url: str = Field("", max_length=500, pattern=r"^(|https?://.*|/.*)$", description="http(s) or a site path.")


class ProcedureIn(Schema):
    code: str = Field(
        ..., min_length=1, max_length=40, pattern=NOT_BLANK, description="National TTHC code (MaTTHC), e.g. 1.001193."
    )
    name: str = Field(..., min_length=1, max_length=500, pattern=NOT_BLANK)
    field: str = Field("", max_length=200)
    agency_code: str = Field(
        "", max_length=40, description="Competent agency's code; empty for every commune's committee."
    )
    level: Literal["province", "commune"] = "commune"
    online_level: Literal["full", "partial", "none", "4", "3", "2", "1"] = Field(
        "partial", description="Decree 42/2022 levels, or the legacy mucDo 4/3/2(/1)."
    )
    processing_days: JsonInt = Field(0, ge=0, le=365, description="Working days; 0 for the same day.")
    fee_text: str = Field("", max_length=500)
    fee_amount: JsonInt = Field(0, ge=0, le=10**12, description="In đồng.")
    documents: list[ProcedureDocumentIn] = Field(
        [], max_length=100, description="The dossier's components (thành phần)."
    )
    forms: list[ProcedureFormIn] = Field([], max_length=100)
    legal_basis: str = Field("", max_length=10000)
    allows_postal_return: JsonBool = True
    allows_authorization: JsonBool = True
    issues_electronic_result: JsonBool = False
    is_active: JsonBool = True


class ProcedureOut(Schema):
    uuid: str
    code: str
    name: str
    field: str
    agency_code: str
    level: str
    online_level: str
    processing_days: int
    fee_text: str
    fee_amount: int
    allows_postal_return: bool
    allows_authorization: bool
    issues_electronic_result: bool
    is_active: bool

    @staticmethod
    def resolve_uuid(obj) -> str:
        return str(obj.uuid)

    @staticmethod
    def resolve_agency_code(obj) -> str:
        return obj.agency.code if obj.agency_id else ""


class ProcedureUpsertOut(Schema):
    result: str = Field(..., description="created, updated or unchanged")
    procedure: ProcedureOut


def _visible(client):
    scope = client.as_scope()
    shared = Q(agency__isnull=True)
    return Procedure.objects.filter(scope.q("agency__unit__path") | shared).select_related("agency")


def _check_writable(client, data: ProcedureIn) -> None:
    scope = client.as_scope()
    is_province = client.unit.parent_id is None
    agency = Agency.objects.select_related("unit").filter(code=data.agency_code).first() if data.agency_code else None
    if data.agency_code and agency is None:
        raise ApplicationError(f"No agency has the code '{data.agency_code}'.", code="unknown_agency")
    if agency is None and not is_province:
        raise NotPermitted("Only a province-level client may write procedures without a competent agency.")
    if agency is not None and not scope.covers_path(agency.unit.path):
        raise NotPermitted(f"Agency {agency.code} is outside this client's unit.")
    existing = Procedure.objects.select_related("agency__unit").filter(code=data.code).first()
    if existing is not None and existing.agency_id and not scope.covers_path(existing.agency.unit.path):
        raise NotPermitted(f"Procedure {data.code} belongs to an agency outside this client's unit.")
    if existing is not None and existing.agency_id is None and not is_province:
        raise NotPermitted(f"Procedure {data.code} is shared by the province: only a province-level client edits it.")


class ProcedurePage(Schema):
    items: list[ProcedureOut]
    next_cursor: str | None


class ProcedureFilters(PageParams, ChangedSince):
    code: str = Field("", max_length=40, description="Only the procedure with this code.")
    active_only: bool = False


@router.get(
    "/procedures",
    response={200: ProcedurePage, **ERRORS},
    summary="Procedures of the client's agencies, and shared ones",
)
def procedure_list(request, filters: Query[ProcedureFilters]):
    procedures = _visible(request.auth)
    if filters.code:
        procedures = procedures.filter(code=filters.code)
    if filters.active_only:
        procedures = procedures.filter(is_active=True)
    return page_of(procedures, filters, updated_since=filters.updated_since)


@router.post(
    "/procedures",
    response={200: ProcedureUpsertOut, **ERRORS},
    summary="Create or update a procedure by its code (idempotent)",
)
def procedure_upsert(request, data: ProcedureIn):
    _check_writable(request.auth, data)
    record = data.dict()
    report = procedure_import(actor=None, file_name="api.json", content=json.dumps([record]).encode())
    if not report.ok:
        errors = [{"field": e.field, "message": e.message} for e in report.errors]
        raise ApplicationError("The procedure is not valid.", code="invalid", extra={"errors": errors})
    result = "created" if report.created else "updated" if report.updated else "unchanged"
    return {"result": result, "procedure": Procedure.objects.select_related("agency").get(code=data.code)}


@router.get("/procedures/{code}", response={200: ProcedureOut, **ERRORS}, summary="One procedure by code")
def procedure_detail(request, code: str):
    procedure = _visible(request.auth).filter(code=code).first()
    if procedure is None:
        raise Http404
    return procedure
