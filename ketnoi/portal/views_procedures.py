"""The public procedure catalog: search and list by field, and one page per procedure with a QR code to it."""

import segno

from django.conf import settings
from django.db.models import Count
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from ketnoi.procedures.models import Procedure
from ketnoi.procedures.selectors import active_procedures, procedure_get, procedure_search, procedures_by_field

FULL_LIST_LIMIT = 300  # above this, the list page shows the fields and asks for a search or a field


def procedure_public_url(procedure: Procedure) -> str:
    """The absolute address of the procedure's page, as printed and put in QR codes."""
    return settings.PUBLIC_BASE_URL + reverse("portal:procedure_detail", args=[procedure.code])


def qr_svg(url: str) -> str:
    """An inline SVG QR code (no external requests, readable from a phone screen or on paper)."""
    return segno.make(url, error="m").svg_inline(scale=4, border=4, svgclass="qr", lineclass=None)


def format_vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đ"


@require_safe
def procedure_list(request):
    query = request.GET.get("q", "").strip()[:200]
    field = request.GET.get("field", "").strip()[:200]
    counts = active_procedures().exclude(field="").values("field").annotate(n=Count("pk")).order_by("field")
    fields = [(row["field"], row["n"]) for row in counts]
    results = procedure_search(query=query, limit=50) if query else None
    groups = []
    if results is None and (field or sum(n for _f, n in fields) <= FULL_LIST_LIMIT):
        groups = procedures_by_field(queryset=active_procedures().filter(field=field) if field else None)
    context = {"query": query, "field": field, "fields": fields, "results": results, "groups": groups}
    return render(request, "portal/procedures/list.html", context)


@require_safe
def procedure_detail(request, code: str):
    procedure = procedure_get(code=code)
    if procedure is None:
        raise Http404
    url = procedure_public_url(procedure)
    context = {
        "procedure": procedure,
        "public_url": url,
        "qr": mark_safe(qr_svg(url)),
        "fee": format_vnd(procedure.fee_amount) if procedure.fee_amount else "",
    }
    return render(request, "portal/procedures/detail.html", context)
