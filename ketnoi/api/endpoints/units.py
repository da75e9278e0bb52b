from uuid import UUID

from ninja import Field, Query, Router

from ketnoi.orgs import selectors as orgs
from ketnoi.orgs.models import UnitKind

from ..paging import PageParams, page_of
from ..schemas import ERRORS, UnitOut, UnitPage

router = Router(tags=["units"])


class UnitFilters(PageParams):
    kind: UnitKind | None = Field(None, description="Only units of this kind.")
    include_past: bool = Field(False, description="Also units that no longer exist (merged), with their dates.")


@router.get("/units", response={200: UnitPage, **ERRORS}, summary="Administrative units the client may see")
def unit_list(request, filters: Query[UnitFilters]):
    units = orgs.unit_list(official=request.auth, kind=filters.kind or "", include_past=filters.include_past)
    return page_of(units, filters)


@router.get("/units/{uuid}", response={200: UnitOut, **ERRORS}, summary="One administrative unit")
def unit_detail(request, uuid: UUID):
    return orgs.unit_get(official=request.auth, uuid=uuid)
