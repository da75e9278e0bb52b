"""Reading registries: the public lookup (anyone: a registry is published) and the console list (scoped)."""

from django.db.models import QuerySet

from ketnoi.core.text import fold
from ketnoi.orgs.scoping import scope_of

from .models import RegistryEntry, RegistryKind

MIN_QUERY = 2


def registry_search(*, query: str, kind: str = RegistryKind.FOOD_SAFETY, limit: int = 20) -> list[RegistryEntry]:
    """Entries whose name or address contains every word of the query, ignoring case and diacritics.

    'bep nha hoa' finds 'Bếp nhà Hoà'. A query shorter than two characters finds nothing (it would list the
    whole registry, which the portal shows page by page instead)."""
    words = fold(query).split()
    if not words or len(" ".join(words)) < MIN_QUERY:
        return []
    entries = RegistryEntry.objects.filter(kind=kind).select_related("unit")
    for word in words[:8]:
        entries = entries.filter(search_folded__contains=word)
    return list(entries.order_by("name", "id")[:limit])


def registry_entries_for(official, *, kind: str = "", query: str = "", unit=None) -> QuerySet[RegistryEntry]:
    """The console list: entries of the communes in the official's scope."""
    entries = scope_of(official).filter(RegistryEntry.objects.select_related("unit"), "unit__path")
    if kind:
        entries = entries.filter(kind=kind)
    if unit is not None:
        entries = entries.filter(unit__path__startswith=unit.path)
    for word in fold(query).split()[:8]:
        entries = entries.filter(search_folded__contains=word)
    return entries.order_by("name", "id")
