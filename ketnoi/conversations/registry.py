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
import functools
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
        words = text_words(turn)
        return max((len(k.split()) for k in self.keywords if words.has(k)), default=0)

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
    _facts.clear()
    _vocabulary.clear()
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


_facts: list[dict[str, Any]] = []


def all_facts() -> dict[str, Any]:
    """Every flow's facts (Flow.facts), to load with the person's session: the same dict until a flow registers,
    so the session's statement is compiled once (conversations.services.session_for)."""
    if not _facts:
        _facts.append({name: value for flow in all_flows() for name, value in flow.facts().items()})
    return _facts[0]


def _squeeze(word: str) -> str:
    """'cuuu' -> 'cu', 'hooon' -> 'hon': a held-down key is not a different word."""
    return _HELD.sub(r"\1", word)


_HELD = re.compile(r"(.)\1+")


@functools.cache
def _phrase(keyword: str) -> tuple[tuple[str, str], ...]:
    """A keyword's words, folded, each with its squeezed form: the flows' vocabulary, worked out once."""
    return tuple((word, _squeeze(word)) for word in fold(keyword).split())


def _similar(word: str, squeezed: str, candidate: str, candidate_squeezed: str) -> bool:
    """The same word but for a small typo: equal, equal once held keys are squeezed, or (both of 4 letters or
    more) a SequenceMatcher ratio of at least 0.8, which a length difference alone can rule out."""
    if word == candidate or squeezed == candidate_squeezed:
        return True
    shorter, total = min(len(word), len(candidate)), len(word) + len(candidate)
    if shorter < 4 or 10 * shorter < 4 * total:  # ratio <= 2 * shorter / total < 0.8
        return False
    matcher = difflib.SequenceMatcher(None, word, candidate)
    return matcher.quick_ratio() >= 0.8 and matcher.ratio() >= 0.8  # quick_ratio() is an upper bound of ratio()


SEEN_WORDS = 50_000  # words of messages remembered with the keywords they may mean (forgotten all at once past it)


class _Vocabulary:
    """Every word of every flow's keywords, indexed once: by squeezed form (equal words and held keys: a dict
    look-up) and by length (a typo's ratio of 0.8 needs lengths within 2/3 and 3/2 of each other, and 4 letters),
    so a message's word is compared with the few keywords of a near length only, not with every keyword."""

    def __init__(self, flows: list[Flow]):
        self.words: set[str] = set()
        self.by_squeezed: dict[str, set[str]] = {}
        self.by_length: dict[int, list[tuple[str, str]]] = {}
        self.seen: dict[str, frozenset[str]] = {}
        for flow in flows:
            for keyword in flow.keywords:
                for word, squeezed in _phrase(keyword):
                    if word in self.words:
                        continue
                    self.words.add(word)
                    self.by_squeezed.setdefault(squeezed, set()).add(word)
                    self.by_length.setdefault(len(word), []).append((word, squeezed))

    def similar(self, word: str, squeezed: str) -> frozenset[str]:
        """The vocabulary's words that `word` may be typed for (_similar). Remembered per word: people write with
        a few thousand syllables, so after a while almost every word of a message has been seen."""
        found = self.seen.get(word)
        if found is None:
            if len(self.seen) >= SEEN_WORDS:
                self.seen.clear()
            found = self.seen[word] = self._similar(word, squeezed)
        return found

    def _similar(self, word: str, squeezed: str) -> frozenset[str]:
        found = set(self.by_squeezed.get(squeezed, ()))
        size = len(word)
        if size >= 4:
            for length in range(max(4, 2 * size // 3), 3 * size // 2 + 1):
                for candidate, candidate_squeezed in self.by_length.get(length, ()):
                    if candidate not in found and _similar(word, squeezed, candidate, candidate_squeezed):
                        found.add(candidate)
        return frozenset(found)


_vocabulary: list[_Vocabulary] = []


def vocabulary() -> _Vocabulary:
    if not _vocabulary:
        _vocabulary.append(_Vocabulary(list(_FLOWS.values())))
    return _vocabulary[0]


class TextWords:
    """A folded text's words, each looked up once in the flows' vocabulary: then whether a keyword phrase is in the
    text is set look-ups, for every flow's keywords, without comparing the same pair of words twice."""

    def __init__(self, folded_text: str):
        self.words = [(word, _squeeze(word)) for word in folded_text.split()]
        self._similar: list[frozenset[str] | None] = [None] * len(self.words)
        self._places: dict[str, frozenset[int]] = {}

    def _similar_to(self, i: int) -> frozenset[str]:
        found = self._similar[i]
        if found is None:
            found = self._similar[i] = vocabulary().similar(*self.words[i])
        return found

    def places(self, candidate: str, candidate_squeezed: str) -> frozenset[int]:
        found = self._places.get(candidate)
        if found is None:
            if candidate in vocabulary().words:
                found = frozenset(i for i in range(len(self.words)) if candidate in self._similar_to(i))
            else:  # a keyword of no registered flow (keyword_in on any phrase)
                found = frozenset(
                    i
                    for i, (word, squeezed) in enumerate(self.words)
                    if _similar(word, squeezed, candidate, candidate_squeezed)
                )
            self._places[candidate] = found
        return found

    def has(self, keyword: str) -> bool:
        """The keyword phrase appears word for word, each word allowing a small typo."""
        wanted = _phrase(keyword)
        if not wanted or len(self.words) < len(wanted):
            return False
        places = [self.places(word, squeezed) for word, squeezed in wanted]
        last = len(self.words) - len(wanted)
        return any(start <= last and all(start + i in p for i, p in enumerate(places)) for start in places[0])


def text_words(turn: "Turn") -> TextWords:
    """The turn's TextWords, made once a turn."""
    key = f"registry:words:{turn.folded}"
    words = turn.memo.get(key)
    if words is None:
        words = turn.memo[key] = TextWords(turn.folded)
    return words


def keyword_in(folded_text: str, keyword: str) -> bool:
    """A folded keyword phrase appears in the folded text, word for word, each word allowing a small typo."""
    return TextWords(folded_text).has(keyword)


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
