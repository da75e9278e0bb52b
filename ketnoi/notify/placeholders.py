"""((placeholders)) in templates, as GOV.UK Notify writes them: found, checked and filled in one place.

A message is never sent with an empty slot: a value missing from the personalisation, or blank, refuses the
notification with the names that are missing."""

import re
from collections.abc import Iterable
from typing import Any

from ketnoi.core.errors import ApplicationError

PLACEHOLDER = re.compile(r"\(\(\s*([^()]{1,60}?)\s*\)\)")


def names_in(*texts: str) -> list[str]:
    """Placeholder names in order of first appearance, compared without case."""
    seen: dict[str, str] = {}
    for text in texts:
        for match in PLACEHOLDER.finditer(text or ""):
            seen.setdefault(match.group(1).lower(), match.group(1))
    return list(seen.values())


def _values(personalisation: dict[str, Any]) -> dict[str, str]:
    return {str(k).strip().lower(): "" if v is None else str(v).strip() for k, v in (personalisation or {}).items()}


def missing(names: Iterable[str], personalisation: dict[str, Any]) -> list[str]:
    values = _values(personalisation)
    return [name for name in names if not values.get(name.lower())]


def fill(text: str, personalisation: dict[str, Any], *, preview: bool = False) -> str:
    """The text with every placeholder replaced. Refuses (code missing_personalisation) a missing or blank value,
    unless `preview`, where it stays visible as ((name))."""
    values = _values(personalisation)
    absent = [] if preview else missing(names_in(text), personalisation)
    if absent:
        raise ApplicationError(
            "Missing personalisation: " + ", ".join(absent) + ".",
            code="missing_personalisation",
            extra={"missing": absent},
        )

    def one(match: re.Match) -> str:
        return values.get(match.group(1).lower()) or match.group(0)

    return PLACEHOLDER.sub(one, text or "")
