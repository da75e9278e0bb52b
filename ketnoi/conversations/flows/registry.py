"""Certified establishments in the chat: "bep an hoa binh", "attp le loi" -> the establishments whose name or address
match (diacritics optional), each with its certificate and whether it is valid today; expired ones are flagged."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ketnoi.core.text import fold
from ketnoi.registries.models import RegistryEntry, RegistryKind, Validity
from ketnoi.registries.selectors import registry_search

from ..registry import Choice, Flow, register_flow

SHOWN = 5
# Words people put around a name, removed before searching ("co so attp bep an hoa binh" -> "bep an hoa binh").
STOP_PHRASES = (
    "ve sinh an toan thuc pham", "an toan thuc pham", "giay chung nhan", "chung nhan", "tra cuu", "kiem tra",
    "co so", "attp", "vsattp", "food safety", "certified", "certificate", "check", "cho hoi", "xin hoi",
)  # fmt: skip


def clean_query(text: str) -> str:
    folded = f" {fold(text)} "
    for phrase in sorted(STOP_PHRASES, key=len, reverse=True):
        folded = folded.replace(f" {phrase} ", " ")
    return " ".join(folded.replace("?", " ").split())


def describe(entry: RegistryEntry, today) -> str:
    validity = entry.validity_on(today)
    mark = "✅" if validity == Validity.VALID else "⚠️"
    lines = [f"{mark} {entry.name}", entry.address or entry.unit.name]
    certificate = _("Certificate %(number)s") % {"number": entry.certificate_number}
    if entry.issuing_agency:
        certificate += f", {entry.issuing_agency}"
    lines.append(certificate)
    if entry.valid_to:
        lines.append(
            _("Valid until %(date)s: %(validity)s")
            % {"date": f"{entry.valid_to:%d/%m/%Y}", "validity": Validity(validity).label}
        )
    else:
        lines.append(str(Validity(validity).label))
    return "\n".join(lines)


def lookup_url(query: str) -> str:
    try:
        return settings.PUBLIC_BASE_URL + reverse("portal:registry_food_safety") + "?" + urlencode({"q": query})
    except NoReverseMatch:
        return ""


@register_flow
class RegistryFlow(Flow):
    name = "registry"
    menu_title = gettext_lazy("Certified food establishments")
    menu_order = 50
    keywords = ("attp", "an toan thuc pham", "ve sinh an toan", "chung nhan", "food safety", "certified")
    transitions = {"": {"ask"}, "ask": {"ask"}}

    def start(self, turn, argument: str = "") -> None:
        if argument and clean_query(argument) and self.answer(turn, argument):
            return
        question = _("Which establishment? Type its name or address, for example: bep an hoa binh.")
        turn.ask("ask", question, flow=self.name)

    def handle(self, turn, step: str) -> None:
        if not turn.folded:
            turn.unknown()
            return
        if not self.answer(turn, turn.text):
            message = _("No certified establishment matches “%(text)s”. Try other words, or type 0 for the menu.")
            turn.ask("ask", message % {"text": turn.text[:60]}, flow=self.name)

    def fallback(self, turn) -> bool:
        """Free text at the menu that names an establishment ("bep an hoa binh") gets the answer directly."""
        if len(clean_query(turn.text or "").split()) < 2:
            return False
        return self.answer(turn, turn.text)

    def answer(self, turn, text: str) -> bool:
        query = clean_query(text)
        found = registry_search(query=query, kind=RegistryKind.FOOD_SAFETY, limit=SHOWN + 1)
        if not found:
            return False
        today = timezone.localdate()
        parts = [describe(entry, today) for entry in found[:SHOWN]]
        if len(found) > SHOWN:
            parts.append(_("More establishments match; add a word, or see them all on the page."))
        url = lookup_url(query)
        turn.say("\n\n".join(parts), [Choice(_("See on the portal"), url=url)] if url else [])
        turn.done()
        return True
