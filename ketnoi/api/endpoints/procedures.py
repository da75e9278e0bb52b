"""Procedures for an integrating one-stop system: read the catalog, create or update procedures by code.

Writes go through the catalog import (ketnoi.procedures.services.procedure_import), so the API and the console's
file import validate a procedure the same way. A client writes only procedures whose competent agency lies in
its unit (a province-level client also the shared ones without an agency).
"""

import json

from ninja import Field, Router, Schema

from django.db.models import Q
from django.http import Http404

from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.orgs.models import Agency
from ketnoi.procedures.models import Procedure
from ketnoi.procedures.services import procedure_import

router = Router(tags=["procedures"])


class DocumentIn(Schema):
    name: str
    copies: int = 1
    note: str = ""


class FormIn(Schema):
    name: str
    url: str = ""


class ProcedureIn(Schema):
    code: str = Field(..., description="National TTHC code (MaTTHC), e.g. 1.001193.000.00.00.H90.")
    name: str
    field: str = ""
    agency_code: str = Field("", description="Competent agency's code; empty for every commune's committee.")
    level: str = Field("commune", description="province or commune")
    online_level: str = Field("partial", description="full, partial or none (or legacy mucDo 4/3/2)")
    processing_days: int = Field(0, ge=0, description="Working days; 0 for the same day.")
    fee_text: str = ""
    fee_amount: int = Field(0, ge=0, description="In đồng.")
    documents: list[DocumentIn] = []
    forms: list[FormIn] = []
    legal_basis: str = ""
    allows_postal_return: bool = True
    allows_authorization: bool = True
    issues_electronic_result: bool = False
    is_active: bool = True


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


@router.get("/procedures", response=list[ProcedureOut], summary="Procedures of the client's agencies, and shared ones")
def procedure_list(request, code: str = "", active_only: bool = False):
    procedures = _visible(request.auth)
    if code:
        procedures = procedures.filter(code=code)
    if active_only:
        procedures = procedures.filter(is_active=True)
    return list(procedures.order_by("code")[:5000])


@router.post(
    "/procedures",
    response=ProcedureUpsertOut,
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


@router.get("/procedures/{code}", response=ProcedureOut, summary="One procedure by code")
def procedure_detail(request, code: str):
    procedure = _visible(request.auth).filter(code=code).first()
    if procedure is None:
        raise Http404
    return procedure
