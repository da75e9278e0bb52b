"""Reading registries: the public lookup (anyone: a registry is published) and the console list (scoped)."""

from django.db.models import QuerySet
from django.utils import timezone

from ketnoi.core.text import fold
from ketnoi.orgs.scoping import scope_of

from .models import RegistryEntry, RegistryKind, Validity

MIN_QUERY = 2
CANDIDATES = 500


def registry_search(*, query: str, kind: str = RegistryKind.FOOD_SAFETY, limit: int = 20) -> list[RegistryEntry]:
    """Entries whose name or address contains every word of the query, ignoring case and diacritics, best match
    first: the query's words as whole words of the name (the whole phrase best), then as the start of a word, then
    in the address; among equal matches a valid certificate before an expired one, then by name.

    'bep nha hoa' finds 'Bếp nhà Hoà'; 'quan pho' puts 'Quán phở …' before a 'Quán cơm …' in 'Tổ dân phố 2'.
    A query shorter than two characters finds nothing (it would list the whole registry, which the portal shows
    page by page instead). At most CANDIDATES rows are ranked (every word must already be in the row)."""
    words = fold(query).split()[:8]
    if not words or len(" ".join(words)) < MIN_QUERY:
        return []
    entries = RegistryEntry.objects.filter(kind=kind).select_related("unit")
    for word in words:
        entries = entries.filter(search_folded__contains=word)
    today = timezone.localdate()
    candidates = list(entries.order_by("id")[:CANDIDATES])
    candidates.sort(key=lambda entry: _rank(entry, words, today))
    return candidates[:limit]


def _word_score(word: str, tokens: list[str], text: str, whole: int, prefix: int, inside: int) -> int:
    if word in tokens:
        return whole
    if any(token.startswith(word) for token in tokens):
        return prefix
    return inside if word in text else 0


def _rank(entry: RegistryEntry, words: list[str], today) -> tuple:
    name, address = fold(entry.name), fold(entry.address)
    name_tokens, address_tokens = name.split(), address.split()
    score = 1000 if f" {' '.join(words)} " in f" {' '.join(name_tokens)} " else 0
    for word in words:
        score += _word_score(word, name_tokens, name, 100, 50, 10) or _word_score(
            word, address_tokens, address, 20, 10, 1
        )
    valid = entry.validity_on(today) == Validity.VALID
    return (-score, not valid, entry.name, entry.pk)


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
