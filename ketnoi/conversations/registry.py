"""Conversation flows are plug-ins: one module per flow in `ketnoi/conversations/flows/<name>.py`, one small class
each, registered here. Every module in that package is imported at start-up, so adding a flow is adding a file.

The contract (for the petitions flow `flows/petition.py`, the registries flow `flows/registry.py`, and the rest):

    from django.utils.translation import gettext_lazy as _
    from ketnoi.conversations.registry import Flow, register_flow

    @register_flow
    class PetitionFlow(Flow):
        name = "petition"                     # unique; states are "petition.<step>", buttons "#petition..."
        menu_title = _("Send a petition or feedback")   # None: not in the main menu (reached by buttons only)
        menu_order = 40                        # reserved: 40 petition, 50 certified establishments (registry)
        pinned = False                         # the menu shows 5 buttons: pinned flows, then by menu_order
        keywords = ("kien nghi", "phan anh", "petition", "feedback")  # folded (no diacritics, lower case)
        transitions = {                        # step -> the steps it may go to; "" = entry from anywhere
            "": {"describe"},
            "describe": {"describe", "confirm"},
            "confirm": {"describe"},
        }

        def start(self, turn, argument=""):    # the citizen chose the flow (menu, number, keyword, "#petition")
            turn.ask("describe", _("Describe the problem in one message."))

        def handle(self, turn, step):          # input while the session is in "petition.<step>"
            if step == "describe" and turn.text:
                ... call your app's service ...
                turn.say(_("Thank you. Your petition code is %(code)s.") % {...})
                turn.done()                    # back to the main menu (idle)
            else:
                turn.unknown()                 # the engine's helpful answer (suggestions + menu)

        def on_button(self, turn, action, argument):   # a tapped "#petition.<action>:<argument>" button
            ...

The `turn` (ketnoi.conversations.engine.Turn) gives the input (`text`, `folded`, `attachments`, `location`,
`event`), who (`channel`, `channel_contact`, `contact`, `language`), the flow's `context` dict (kept while the flow
runs; small JSON values only; empty on entering a flow, so fill it after `goto`/`ask`), and the actions:
`say(text, [Choice(title, "#flow.action:arg") or Choice(title, url=...)])`, `ask(step, text, choices)`,
`goto(step)`, `done()`, `show_menu()`, `start_flow(name, argument)`, `elsewhere()` (input another flow claims goes
there), `unknown()`, `request_info(title, text)` (Zalo's info form), `private_input = True` (not logged).
Optional hooks: `facts() -> {name: expression}` (what `available` needs, loaded with the session: turn.fact(name)),
`claims(turn) -> int` (free text at the menu: 0 = no; the strongest claim wins), `fallback(turn)
-> bool` (tried when nobody claims), `available(turn) -> bool` (hide the flow on some channels), `reprompt(turn,
step) -> bool` (the question of `step` again, after a language switch; default: start again), `button_meaning(action,
argument) -> str` (a tapped button in words, for the officials' thread when a hand-off is open). Texts are gettext strings rendered in the person's language
(the engine activates it). Replies are queued in the outbox in the inbound event's transaction, once per event.
Everything a flow writes goes through its own app's services; a flow module may import its app (conversations is
above every domain app in the layers).

The engine owns what every flow gets for free: the escape words ("menu", "0", "huy", "quay lai", "bot"...), the
language switch, session timeouts, hand-off silence, and unknown input.
"""

import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.functional import Promise

from ketnoi.core.text import fold

if TYPE_CHECKING:
    from .engine import Turn

ENTRY = ""


class IllegalTransition(RuntimeError):
    """A flow tried a move its transition table does not allow: a programming error, never the citizen's."""


@dataclass(frozen=True)
class Choice:
    """A reply button: `payload` comes back as the person's input ("#flow.action:argument"); `url` opens a page."""

    title: str
    payload: str = ""
    url: str = ""


class Flow:
    name: ClassVar[str]
    menu_title: ClassVar[Promise | str | None] = None
    menu_order: ClassVar[int] = 100
    keywords: ClassVar[tuple[str, ...]] = ()
    pinned: ClassVar[bool] = False  # always one of the menu's buttons (at most five); the rest are numbered lines
    transitions: ClassVar[dict[str, set[str]]] = {}

    def available(self, turn: "Turn") -> bool:
        """Whether the flow is offered to this person on this channel (menu, keywords)."""
        return True

    def facts(self) -> dict[str, Any]:
        """What `available()` needs to know about the person, as expressions on their ConversationSession (e.g.
        Exists(... OuterRef("channel_contact") ...)): loaded with the session in its one statement, read in the turn
        as turn.fact(name). So the menu costs no query of its own."""
        return {}

    def claims(self, turn: "Turn") -> int:
        """Free text at the main menu: how strongly this flow wants it (0: not at all). Default: the number of
        words of the longest keyword found in the text, so "ho so cua toi" beats "ho so". The strongest claim
        wins; ties go to the lower menu_order."""
        return max((len(k.split()) for k in self.keywords if keyword_in(turn.folded, k)), default=0)

    def start(self, turn: "Turn", argument: str = "") -> None:
        raise NotImplementedError

    def handle(self, turn: "Turn", step: str) -> None:
        turn.unknown()

    def on_button(self, turn: "Turn", action: str, argument: str) -> None:
        self.start(turn, argument)

    def reprompt(self, turn: "Turn", step: str) -> bool:
        """Ask the current step's question again (the person switched language in the middle). Default: start the
        flow again, which asks its first question. False: it cannot; the engine shows the main menu instead."""
        self.start(turn)
        return True

    def button_meaning(self, action: str, argument: str) -> str:
        """A tapped "#<flow>.<action>:<argument>" in words, for the officials' thread during a hand-off."""
        return str(self.menu_title or self.name)

    def allows(self, from_step: str, to_step: str) -> bool:
        return to_step in self.transitions.get(from_step, set())


_FLOWS: dict[str, Flow] = {}


def register_flow(flow_class: type[Flow]) -> type[Flow]:
    name = flow_class.name
    if not name or "." in name or ":" in name or name == "menu":
        raise ValueError(f"Bad flow name {name!r}.")
    existing = _FLOWS.get(name)
    if existing is not None and type(existing).__qualname__ != flow_class.__qualname__:
        raise ValueError(f"Two flows named {name!r}.")
    for step, targets in flow_class.transitions.items():
        for target in targets:
            if not target or "." in target:
                raise ValueError(f"Flow {name!r}: bad step {target!r} after {step!r}.")
    _FLOWS[name] = flow_class()
    return flow_class


def get_flow(name: str) -> Flow | None:
    return _FLOWS.get(name)


def all_flows() -> list[Flow]:
    return sorted(_FLOWS.values(), key=lambda f: (f.menu_order, f.name))


def menu_flows(turn: "Turn") -> list[Flow]:
    """The flows offered to this person, worked out once per turn."""
    if turn.menu is None:
        turn.menu = [f for f in all_flows() if f.menu_title and f.available(turn)]
    return turn.menu


def all_facts() -> dict[str, Any]:
    """Every flow's facts (Flow.facts), to load with the person's session."""
    return {name: value for flow in all_flows() for name, value in flow.facts().items()}


def _squeeze(word: str) -> str:
    """'cuuu' -> 'cu', 'hooon' -> 'hon': a held-down key is not a different word."""
    return re.sub(r"(.)\1+", r"\1", word)


def _similar(word: str, candidate: str) -> bool:
    if word == candidate or _squeeze(word) == _squeeze(candidate):
        return True
    if min(len(word), len(candidate)) < 4:
        return False
    return difflib.SequenceMatcher(None, word, candidate).ratio() >= 0.8


def keyword_in(folded_text: str, keyword: str) -> bool:
    """A folded keyword phrase appears in the folded text, word for word, each word allowing a small typo."""
    words, wanted = folded_text.split(), fold(keyword).split()
    if not wanted or len(words) < len(wanted):
        return False
    for start in range(len(words) - len(wanted) + 1):
        if all(_similar(words[start + i], w) for i, w in enumerate(wanted)):
            return True
    return False


def nearest_flows(turn: "Turn", limit: int = 3) -> list[Flow]:
    """Flows whose keywords look most like the text (for the answer to unknown input)."""
    scored = []
    words = turn.folded.split()
    for flow in menu_flows(turn):
        best = 0.0
        for keyword in flow.keywords:
            for kw_word in fold(keyword).split():
                for word in words:
                    best = max(best, difflib.SequenceMatcher(None, word, kw_word).ratio())
        if best >= 0.6:
            scored.append((best, flow))
    scored.sort(key=lambda item: -item[0])
    return [flow for _score, flow in scored[:limit]]
