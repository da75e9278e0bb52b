"""Procedure questions: "lam giay khai sinh can gi", "le phi dang ky ket hon" -> the procedure's documents, fee,
time and a link to its page. Diacritics, word order and small typos do not matter (procedures.fuzzy)."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ketnoi.core.text import fold
from ketnoi.procedures.fuzzy import corrected_words, procedure_search_fuzzy
from ketnoi.procedures.models import Procedure
from ketnoi.procedures.selectors import procedure_get

from ..registry import Choice, Flow, register_flow

# Words people put around a procedure's name, removed before searching.
STOP_PHRASES = (
    "thu tuc hanh chinh",
    "thu tuc",
    "ho so",
    "giay to",
    "can nhung gi",
    "can gi",
    "can nhung giay to gi",
    "bao nhieu",
    "mat bao lau",
    "bao lau",
    "le phi",
    "phi",
    "cho hoi",
    "xin hoi",
    "toi muon",
    "em muon",
    "muon",
    "lam giay",
    "xin giay",
    "lam",
    "the nao",
    "nhu the nao",
    "o dau",
    "procedure",
    "procedures",
    "documents",
    "what",
    "how",
    "do i need",
    "need",
    "for",
    "the",
    "a",
    "to",
    "fee",
    "fees",
    "how long",
    "ạ",
    "a",
    "nhe",
    "vay",
)
MIN_SHARE = 0.6  # at least this share of the query's words must be in the name


def clean_query(text: str) -> str:
    folded = f" {fold(text)} "
    for phrase in sorted(STOP_PHRASES, key=len, reverse=True):
        folded = folded.replace(f" {phrase} ", " ")
    return " ".join(folded.replace("?", " ").split())


def matches(text: str, limit: int = 5, share: float = MIN_SHARE) -> list[Procedure]:
    query = clean_query(text)
    if not query:
        return []
    words = corrected_words(query)
    found = []
    for procedure in procedure_search_fuzzy(query=query, limit=limit * 2):
        tokens = procedure.name_folded.split()
        present = sum(1 for w in words if any(t.startswith(w) for t in tokens))
        if words and present / len(words) >= share:
            found.append(procedure)
    return found[:limit]


def page_url(procedure: Procedure) -> str:
    try:
        return settings.PUBLIC_BASE_URL + reverse("portal:procedure_detail", args=[procedure.code])
    except NoReverseMatch:
        return ""


def money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đ"


def describe(procedure: Procedure, language: str = "vi") -> str:
    """In English, the English name first and the Vietnamese one under it (the forms and the desk use it)."""
    lines = [f"{procedure.name} ({procedure.code})"]
    if procedure.name_in(language) != procedure.name:
        lines.insert(0, procedure.name_in(language))
    if procedure.documents:
        lines.append(_("Documents:"))
        for document in procedure.documents[:8]:
            copies = document.get("copies") or 1
            note = f" ({document['note']})" if document.get("note") else ""
            lines.append(f"- {document.get('name', '')}{note} ({copies})")
    if procedure.processing_days:
        lines.append(_("Time: %(days)s working days") % {"days": procedure.processing_days})
    else:
        lines.append(_("Time: the same day"))
    fee = procedure.fee_text or (money(procedure.fee_amount) if procedure.fee_amount else _("free"))
    lines.append(_("Fee: %(fee)s") % {"fee": fee})
    return "\n".join(lines)


@register_flow
class ProceduresFlow(Flow):
    name = "procedures"
    menu_title = gettext_lazy("Administrative procedures")
    menu_order = 30
    keywords = ("thu tuc", "giay to", "can gi", "le phi", "procedure", "documents", "fee", "hoi dap")
    transitions = {"": {"ask"}, "ask": {"ask"}}

    def start(self, turn, argument: str = "") -> None:
        if argument and clean_query(argument) and self.answer(turn, argument):
            return
        turn.ask("ask", _("Which procedure? Type a few words, for example: khai sinh, ket hon, giay phep xay dung."))

    def handle(self, turn, step: str) -> None:
        if not turn.folded:
            turn.unknown()
            return
        if not self.answer(turn, turn.text):
            turn.ask(
                "ask",
                _("I found no procedure for “%(text)s”. Try other words, or type 0 for the menu.")
                % {"text": turn.text[:60]},
            )

    def on_button(self, turn, action: str, argument: str) -> None:
        procedure = procedure_get(code=argument) if action == "show" else None
        if procedure is None:
            self.start(turn)
            return
        self.show(turn, procedure)

    def claims(self, turn) -> int:
        """A keyword, or text of two words or more that is all in one procedure's name, Vietnamese or English
        ("birth certificate": not the registry's "certified")."""
        keyword = super().claims(turn)
        if keyword < 2 and len(turn.folded.split()) >= 2 and matches(turn.text, limit=1, share=1.0):
            return 2
        return keyword

    def fallback(self, turn) -> bool:
        """Free text at the menu that names a procedure ("dang ky khai sinh") gets the answer directly."""
        if len(turn.folded.split()) < 2:
            return False
        return self.answer(turn, turn.text)

    def answer(self, turn, text: str) -> bool:
        found = matches(text)
        if not found:
            return False
        self.show(turn, found[0], others=found[1:4])
        return True

    def show(self, turn, procedure: Procedure, others: list[Procedure] = ()) -> None:
        url = page_url(procedure)
        choices = [Choice(_("Details and forms"), url=url)] if url else []
        text = describe(procedure, turn.language)
        if others:
            text += "\n\n" + _("Other procedures that may match:") + "\n"
            text += "\n".join(f"- {p.name_in(turn.language)} ({p.code})" for p in others)
            choices += [Choice(p.name_in(turn.language)[:35], f"#procedures.show:{p.code}") for p in others]
        turn.say(text, choices)
        turn.done()
