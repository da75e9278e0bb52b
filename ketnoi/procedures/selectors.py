"""Reading the procedure catalog. The catalog is public and province-wide, so these selectors need no scope.

Search works on the folded name (ketnoi.core.text.fold: no case, diacritics or tone placement, đ -> d): the
database narrows to rows containing at least one query word, then Python ranks them: procedures containing every
word first, then by how many words they contain, then words matched whole before word prefixes, then the
shortest name. Word order never matters and partial words match ("khai sin" finds "khai sinh").
"""

import re
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

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
    present = whole = 0
    for word in words:
        if word in tokens:
            present, whole = present + 1, whole + 1
        elif any(token.startswith(word) for token in tokens) or (len(word) > 2 and word in name_folded):
            present += 1
    return present, whole, len(words)


def procedure_search(*, query: str, limit: int = 20, include_inactive: bool = False) -> list[Procedure]:
    """Procedures matching the query, best first; the code also matches ('1.001193' or its prefix)."""
    words = query_words(query)
    if not words:
        return []
    queryset = Procedure.objects.select_related("agency")
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    condition = reduce(or_, [Q(name_folded__contains=w) for w in words]) | Q(code__istartswith=query.strip())
    candidates = list(queryset.filter(condition)[:PREFILTER_LIMIT])
    ranked = []
    for procedure in candidates:
        present, whole, total = _score(procedure.name_folded, words)
        code_hit = procedure.code.lower().startswith(query.strip().lower())
        if present == 0 and not code_hit:
            continue
        ranked.append(((code_hit, present == total, present, whole, -len(procedure.name)), procedure))
    ranked.sort(key=lambda item: item[0], reverse=True)
    return [procedure for _key, procedure in ranked[:limit]]


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
