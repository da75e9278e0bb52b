"""News, policies and alerts that were broadcast, as a public archive: search without accents, filter by topic and
area (a commune also shows the province-wide items). Only what was actually sent, never training mode."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ketnoi.broadcasts.models import Topic
from ketnoi.broadcasts.published import published_broadcasts, published_get
from ketnoi.orgs.models import COMMUNE_KINDS, PROVINCE_KINDS, AdministrativeUnit

PER_PAGE = 20


def _areas():
    return AdministrativeUnit.objects.filter(
        valid_to__isnull=True, kind__in=[*PROVINCE_KINDS, *COMMUNE_KINDS]
    ).order_by("path")


@require_safe
def news_list(request):
    query = request.GET.get("q", "").strip()[:200]
    topic = request.GET.get("topic", "")
    topic = topic if topic in Topic.values else ""
    code = request.GET.get("area", "").strip()[:20]
    area = _areas().filter(code=code).first() if code else None
    items = published_broadcasts(query=query, topic=topic, area_path=area.path if area else "")
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "query": query,
        "topic": topic,
        "area": area,
        "topics": Topic.choices,
        "areas": _areas(),
        "page": page,
        "filtered": bool(query or topic or area),
    }
    return render(request, "portal/news/list.html", context)


@require_safe
def news_detail(request, uuid):
    item = published_get(uuid=uuid)
    english = request.LANGUAGE_CODE == "en" and item.text_en
    return render(request, "portal/news/detail.html", {"item": item, "text": item.text_en if english else item.text})
