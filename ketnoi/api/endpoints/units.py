from uuid import UUID

from ninja import Router

from ketnoi.orgs import selectors as orgs

from ..schemas import UnitOut

router = Router(tags=["units"])


@router.get("/units", response=list[UnitOut], summary="Administrative units the client may see")
def unit_list(request, kind: str = "", include_past: bool = False):
    return list(orgs.unit_list(official=request.auth, kind=kind, include_past=include_past))


@router.get("/units/{uuid}", response=UnitOut, summary="One administrative unit")
def unit_detail(request, uuid: UUID):
    return orgs.unit_get(official=request.auth, uuid=uuid)
