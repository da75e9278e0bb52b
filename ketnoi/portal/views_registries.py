"""The public food-safety registry: search an establishment by name or address (accents optional) and see whether
its certificate is valid today. A registry is published, so there is no second factor and no rate limit beyond
the result cap."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from ketnoi.registries.models import RegistryKind
from ketnoi.registries.selectors import registry_search

RESULT_LIMIT = 30


@require_safe
def food_safety_lookup(request):
    query = request.GET.get("q", "").strip()[:200]
    results = registry_search(query=query, kind=RegistryKind.FOOD_SAFETY, limit=RESULT_LIMIT) if query else None
    context = {"query": query, "results": results, "today": timezone.localdate(), "limit": RESULT_LIMIT}
    return render(request, "portal/registries/lookup.html", context)
