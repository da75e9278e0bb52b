"""Typo-tolerant procedure search for the chat: each query word that is not a word of any procedure name is replaced
by the closest one ('khai sinhh' -> 'khai sinh', 'dang ki' -> 'dang ky'), then the catalog's own search runs.

The vocabulary is the folded words of the active catalog (a few thousand words for a province), cached until the
catalog changes (its size or latest update); a process looks whether it changed at most every
PROCEDURE_VOCABULARY_CHECK_SECONDS (5 s), not on every chat message.
Vietnamese 'i'/'y' spellings are treated as one ('ky'/'ki', 'ly'/'li').
"""

import difflib
import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max

from .models import Procedure
from .selectors import procedure_search, query_words

CACHE_KEY = "ketnoi:procedure-vocabulary"
CACHE_SECONDS = 300
CUTOFF = 0.75


def _canon(word: str) -> str:
    return word.replace("y", "i")


_recent: tuple[float, dict[str, str]] | None = None  # (when checked, the vocabulary) in this process


def vocabulary() -> dict[str, str]:
    """canonical word -> the word as the catalog spells it."""
    global _recent
    now = time.monotonic()
    if _recent is not None and now - _recent[0] < float(getattr(settings, "PROCEDURE_VOCABULARY_CHECK_SECONDS", 5)):
        return _recent[1]
    version = Procedure.objects.filter(is_active=True).aggregate(n=Count("id"), at=Max("updated_at"))
    key = f"{CACHE_KEY}:{version['n']}:{version['at'].timestamp() if version['at'] else 0}"
    words = cache.get(key)
    if words is None:
        words = {}
        for name in Procedure.objects.filter(is_active=True).values_list("name_folded", flat=True):
            for word in query_words(name):
                words.setdefault(_canon(word), word)
        cache.set(key, words, CACHE_SECONDS)
    _recent = (now, words)
    return words


def corrected_words(query: str) -> list[str]:
    vocab = vocabulary()
    corrected = []
    for word in query_words(query):
        canon = _canon(word)
        if canon in vocab:
            corrected.append(vocab[canon])
            continue
        if word.isdigit() or len(word) < 3:
            corrected.append(word)
            continue
        close = difflib.get_close_matches(canon, list(vocab), n=1, cutoff=CUTOFF)
        corrected.append(vocab[close[0]] if close else word)
    return corrected


def procedure_search_fuzzy(*, query: str, limit: int = 5) -> list[Procedure]:
    """The catalog search on the query with its typos corrected; the plain search first when it finds all words."""
    words = query_words(query)
    if not words:
        return []
    fixed = corrected_words(query)
    return procedure_search(query=" ".join(fixed), limit=limit)
