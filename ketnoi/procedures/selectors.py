"""Reading the procedure catalog. The catalog is public and province-wide, so these selectors need no scope.

Search works on the folded name (ketnoi.core.text.fold: no case, diacritics or tone placement, đ -> d): the
database narrows to rows containing at least one query word, then Python ranks them: procedures containing every
word first, then by how many words they contain, then words matched whole before word prefixes, then the
shortest name. Word order never matters and partial words match ("khai sin" finds "khai sinh").
"""

import functools
import re
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from ketnoi.core.prepared import PreparedRead
from ketnoi.core.text import fold
from ketnoi.orgs.models import AdministrativeUnit, Agency, AgencyKind

from .models import Procedure, ProcedureLevel

_WORD = re.compile(r"[a-z0-9.]+")
PREFILTER_LIMIT = 2000


def active_procedures() -> QuerySet[Procedure]:
    return Procedure.objects.filter(is_active=True).select_related("agency")


def procedure_get(*, code: str, include_inactive: bool = False) -> Procedure | None:
    queryset = Procedure.objects.select_related("agency", "agency__unit")
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    return queryset.filter(code=code).first()


def query_words(query: str) -> list[str]:
    words = []
    for word in _WORD.findall(fold(query)):
        word = word.strip(".")
        if word and word not in words:
            words.append(word)
    return words[:12]


def _score(name_folded: str, words: list[str]) -> tuple[int, int, int]:
    tokens = name_folded.split()
    token_set = set(tokens)
    present = whole = 0
    for word in words:
        if word in token_set:
            present, whole = present + 1, whole + 1
        elif any(token.startswith(word) for token in tokens) or (len(word) > 2 and word in name_folded):
            present += 1
    return present, whole, len(words)


def procedure_search(*, query: str, limit: int = 20, include_inactive: bool = False) -> list[Procedure]:
    """Procedures matching the query, best first; the code also matches ('1.001193' or its prefix)."""
    words = query_words(query)
    if not words:
        return []
    code_prefix = query.strip().lower()
    candidates = _candidates(len(words), include_inactive).rows(
        code=query.strip(), **{f"word{i}": word for i, word in enumerate(words)}
    )
    ranked = []
    # Score on three columns only; load the full rows of the winners alone.
    for pk, code, name_folded in candidates:
        present, whole, total = _score(name_folded, words)
        code_hit = code.lower().startswith(code_prefix)
        if present or code_hit:
            ranked.append(((not code_hit, present != total, -present, -whole, len(name_folded), name_folded), pk))
    ranked.sort(key=lambda item: item[0])
    top = [pk for _key, pk in ranked[:limit]]
    if not top:
        return []
    rows = {row.pk: row for row in _rows_by_pk(len(top)).rows(**{f"pk{i}": pk for i, pk in enumerate(top)})}
    return [rows[pk] for pk in top]


@functools.cache
def _candidates(count: int, include_inactive: bool) -> PreparedRead:
    """Rows with any of `count` words in their folded name, or the code starting with the query (compiled once per
    number of words: the chat searches on every question)."""
    names = [f"word{i}" for i in range(count)]

    def build(code: str, **words: str) -> QuerySet:
        queryset = Procedure.objects.all() if include_inactive else Procedure.objects.filter(is_active=True)
        condition = reduce(or_, [Q(name_folded__contains=words[n]) for n in names]) | Q(code__istartswith=code)
        return queryset.filter(condition).values_list("pk", "code", "name_folded")[:PREFILTER_LIMIT]

    return PreparedRead(build, code=str, **dict.fromkeys(names, str))


@functools.cache
def _rows_by_pk(count: int) -> PreparedRead:
    """The winners' full rows (with their agency) in one statement, compiled once per number of rows."""
    names = [f"pk{i}" for i in range(count)]
    return PreparedRead(
        lambda **pks: Procedure.objects.select_related("agency").filter(pk__in=[pks[n] for n in names]),
        **dict.fromkeys(names, int),
    )


def procedures_by_field(*, queryset: QuerySet[Procedure] | None = None) -> list[tuple[str, list[Procedure]]]:
    """[(field, procedures)] in field order, for the catalog's list page."""
    groups: dict[str, list[Procedure]] = {}
    for procedure in (queryset if queryset is not None else active_procedures()).order_by("field", "name"):
        groups.setdefault(procedure.field or "", []).append(procedure)
    return list(groups.items())


def competent_agency(procedure: Procedure, unit: AdministrativeUnit) -> Agency | None:
    """Who decides a dossier of this procedure filed for `unit`: the procedure's agency, or for commune-level
    procedures without one, the People's Committee of the commune."""
    if procedure.agency_id:
        return procedure.agency
    if procedure.level != ProcedureLevel.COMMUNE:
        return None
    return Agency.objects.filter(unit=unit, kind=AgencyKind.PEOPLES_COMMITTEE, is_active=True).first()
