"""The conversation engine: `answer` turns one message (or submitted info) into a move of the person's
ConversationSession and the replies it causes, all in the inbound event's transaction. The inbound pipeline
(ketnoi/pipeline/inbound.py) calls it last, with the person it loaded and the hand-off the inbox found.

One input is, in this order: ignored if this event was already handled (the session's step log), left to the
officials while a hand-off is open (except the escape words), a timeout notice when the session expired, an escape
to the main menu ("menu", "0", "huy", "quay lai"...), a language switch, a tapped button ("#flow.action:arg"), the
current flow's input, or at the main menu: a menu number, a flow that claims the text, else a helpful answer.
Replies are outbox rows (lane TRANSACTIONAL) keyed on the event, so a reprocessed event never answers twice.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import Attachment, Button, EventKind, InboundEvent, OutboundPayload
from ketnoi.contacts.models import ChannelContact, Contact, InboundMessage
from ketnoi.core.redaction import redact_text
from ketnoi.core.text import fold
from ketnoi.outbox.models import Lane, OutboundMessage
from ketnoi.outbox.services import outbox_enqueue

from . import handoff as handoff_link
from .flows.mine import offer_code_for_shared_phone
from .models import IDLE, ConversationSession
from .registry import ENTRY, Choice, Flow, IllegalTransition, all_facts, get_flow, menu_flows, nearest_flows
from .services import session_for, session_record_turn

logger = logging.getLogger(__name__)

MAX_BUTTONS = 5  # Zalo's cap per message (channels/types/zalo/assumptions.MAX_BUTTONS); the menu is split past it
ESCAPE_WORDS = frozenset(
    {
        "menu",
        "0",
        "huy",
        "huy bo",
        "quay lai",
        "tro lai",
        "tro ve",
        "thoat",
        "bat dau",
        "bot",
        "tro ly",
        "danh muc",
        "cancel",
        "back",
        "start",
        "main menu",
        "home",
        "stop",
    }
)
GREETINGS = frozenset({"xin chao", "chao", "chao ban", "hello", "hi", "alo", "a lo", "helo", "chao ad", "chao admin"})
ENGLISH_WORDS = frozenset({"english", "tieng anh", "en", "in english"})
VIETNAMESE_WORDS = frozenset({"tieng viet", "vietnamese", "vi", "tv"})
LANGUAGE_WORDS = frozenset({"language", "ngon ngu", "doi ngon ngu", "change language"})
SUPPORTED_LANGUAGES = ("vi", "en")


def session_minutes() -> int:
    return int(getattr(settings, "CONVERSATION_SESSION_MINUTES", 30))


def max_input_chars() -> int:
    """The longest message the assistant reads (a petition's description is the longest answer a flow takes).
    A longer one is kept whole (contacts stores it; an official reads it in full) and answered in words."""
    return int(getattr(settings, "CONVERSATION_MAX_INPUT_CHARS", 5000))


@dataclass
class Reply:
    text: str
    choices: list[Choice] = field(default_factory=list)
    kind: str = "text"  # "text" (with choices as buttons) or "request_info"
    title: str = ""


class Turn:
    """One input of one person, and what the engine and the flows do with it."""

    def __init__(
        self,
        *,
        channel: Channel,
        channel_contact: ChannelContact,
        session: ConversationSession,
        event: InboundEvent,
        handoff=None,
        message: InboundMessage | None = None,
    ):
        self.channel = channel
        self.channel_contact = channel_contact
        self.contact: Contact = channel_contact.contact
        self.session = session
        self.event = event
        self.text = (event.text or "").strip()
        self.folded = fold(self.text[: max_input_chars() + 1])
        self.attachments: tuple[Attachment, ...] = tuple(a for a in event.attachments if a.type != "location")
        self.location = next((a for a in event.attachments if a.type == "location"), None)
        self.replies: list[Reply] = []
        self.note = ""
        self.state = session.state
        self.input_kind = self._input_kind()
        self.active = ""  # the flow the engine is running now: goto()/ask() move within it by default
        self.source_type = "conversation"
        self.private_input = False  # set by flows when the input must not be logged (a one-time code)
        self.with_officials = False  # a hand-off is open and the assistant answered (a button): the thread shows it
        self.handoff = handoff  # the person's active hand-off (ketnoi.inbox.models.Handoff), found by the inbox
        self.menu: list[Flow] | None = None  # the flows offered to this person (registry.menu_flows), once a turn
        self.memo: dict[str, Any] = {}  # what a flow found while claiming the input, for its start (no second look)
        self.message = message  # the stored message (contacts), when the input is one

    # -- what came in ----------------------------------------------------------------------------------------

    def _input_kind(self) -> str:
        if self.event.kind == EventKind.SUBMIT_INFO:
            return "info"
        if self.location is not None:
            return "location"
        if self.attachments:
            return self.attachments[0].type[:20]
        if self.text.startswith("#"):
            return "button"
        return "text"

    def fact(self, name: str) -> Any:
        """A flow's fact about the person (Flow.facts), loaded with the session."""
        return getattr(self.session, name)

    @property
    def language(self) -> str:
        return self.session.language

    @property
    def channel_type(self):
        return self.channel.channel_type

    @property
    def context(self) -> dict[str, Any]:
        """The running flow's own values; cleared by done()."""
        return self.session.context.setdefault("data", {})

    @property
    def flow_name(self) -> str:
        return "" if self.state == IDLE else self.state.split(".", 1)[0]

    @property
    def step(self) -> str:
        return "" if self.state == IDLE else self.state.split(".", 1)[1]

    # -- what flows do ---------------------------------------------------------------------------------------

    def say(self, text: str, choices: list[Choice] | tuple[Choice, ...] = ()) -> None:
        self.replies.append(Reply(text=str(text), choices=list(choices)))

    def request_info(self, title: str, text: str) -> None:
        """Zalo's share-your-information form (name, phone, address); only where the channel supports it."""
        self.replies.append(Reply(text=str(text), kind="request_info", title=str(title)))

    def goto(self, step: str, flow: str | None = None) -> None:
        """Move to `flow.step` (default: the running flow), as the flow's transition table allows."""
        name = flow or self.active or self.flow_name
        target = get_flow(name)
        if target is None:
            raise IllegalTransition(f"No flow {name!r}.")
        from_step = self.step if self.flow_name == name else ENTRY
        if not target.allows(from_step, step):
            raise IllegalTransition(f"{name}: {from_step or '(entry)'} -> {step} is not in the transition table.")
        if self.flow_name != name:
            self.session.context["data"] = {}
        self.state = f"{name}.{step}"

    def ask(self, step: str, text: str, choices: list[Choice] | tuple[Choice, ...] = (), flow: str | None = None):
        self.goto(step, flow=flow)
        self.say(text, choices)

    def done(self) -> None:
        """The flow is over: back to the main menu (idle), its values forgotten."""
        self.state = IDLE
        self.session.context["data"] = {}

    def start_flow(self, name: str, argument: str = "") -> None:
        flow = get_flow(name)
        if flow is None or not flow.available(self):
            self.unknown()
            return
        self.active = flow.name
        flow.start(self, argument)

    def show_menu(self, intro: str = "") -> None:
        flows = menu_flows(self)
        self.session.context["menu"] = [f.name for f in flows]
        lines = [intro] if intro else []
        lines.append(_("Main menu: reply with a number or tap a button."))
        lines += [f"{n}. {flow.menu_title}" for n, flow in enumerate(flows, start=1)]
        lines.append(_('0. Main menu (at any time) · English: type "English"'))
        if self.language == "en":
            lines[-1] = _('0. Main menu (at any time) · Tiếng Việt: type "tieng viet"')
        pinned = [f for f in flows if f.pinned][:MAX_BUTTONS]
        shown = pinned + [f for f in flows if not f.pinned][: MAX_BUTTONS - len(pinned)]
        choices = [Choice(str(flow.menu_title), f"#{flow.name}") for flow in flows if flow in shown]
        self.say("\n".join(lines), choices)

    def elsewhere(self) -> bool:
        """Input that does not fit the running flow's question but that another flow claims ("thu tuc khai sinh"
        while a dossier code is expected): leave the flow and let that one answer. False: nobody claims it."""
        current = self.active or self.flow_name
        best = max(
            ((f.claims(self), -f.menu_order, f.name) for f in menu_flows(self) if f.name != current), default=None
        )
        if best is None or best[0] <= 0:
            return False
        self.done()
        self.start_flow(best[2], self.text)
        return True

    def unknown(self) -> None:
        """The answer to input nobody understood: what it might have meant, and the menu. Never silence."""
        self.note = self.note or "unknown"
        near = nearest_flows(self) if self.folded else []
        if any(a.type in ("image", "file") for a in self.attachments) and self.state == IDLE:
            text = _("I received your file, but no dossier is waiting for documents from you right now.")
        elif self.folded:
            text = _("Sorry, I did not understand “%(text)s”.") % {"text": self.text[:60]}
        else:
            text = _("Sorry, I cannot read this kind of message.")
        if near:
            text += "\n" + _("Did you mean: %(options)s?") % {"options": ", ".join(str(f.menu_title) for f in near)}
            self.say(text, [Choice(str(f.menu_title), f"#{f.name}") for f in near])
            self.say(_("Or type 0 for the main menu."))
            return
        self.done()
        self.show_menu(intro=text)


# -- the handler ---------------------------------------------------------------------------------------------


def _event_key(event: InboundEvent) -> str:
    return event.dedup_key[:120]


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:24]


def answer(*, person: ChannelContact, event: InboundEvent, handoff=None, message: InboundMessage | None = None) -> None:
    """A message or submitted info from `person` (locked, with contact and channel), in the inbound event's
    transaction. `handoff`: their active hand-off, if any (the assistant then stays quiet but for buttons)."""
    session = session_for(person, facts=all_facts())
    if session.last_event_key == _event_key(event):
        return  # this event was answered already (a reprocessed event)
    session.language = person.contact.language or session.language or "vi"
    turn = Turn(channel=person.channel, channel_contact=person, session=session, event=event, handoff=handoff)
    turn.message = message
    with translation.override(turn.language):
        run_turn(turn)
        if turn.with_officials and turn.state == IDLE:
            turn.say(_("You are still in touch with our officials: write here and they will answer."))
        messages = finish(turn)
        if turn.with_officials:
            handoff_link.record_assistant_turn(turn, messages)


def _escape(turn: Turn) -> bool:
    return turn.folded in ESCAPE_WORDS or turn.text.lower() == "#menu"


def _expired(session: ConversationSession) -> bool:
    return bool(session.state != IDLE and session.expires_at and session.expires_at < timezone.now())


def _assistant_during_handoff(turn: Turn) -> bool:
    """A hand-off is open: what the citizen writes is for the officials (the inbox shows it) and the assistant is
    silent. But a button still does what it says: "send the documents" on a notice, "rate the service", a menu
    entry... The assistant answers it, and the flow it starts runs to its end (its questions are answered by the
    assistant), then the citizen is back with the officials; the officials' thread shows what was tapped and what
    the assistant said (conversations.handoff.record_assistant_turn). True: the assistant takes this input.

    An escape word inside such a flow ends the flow and stays with the officials; at rest it hands the
    conversation back to the assistant."""
    in_flow = turn.session.state != IDLE and not _expired(turn.session)
    if _escape(turn):
        if in_flow:
            turn.note = "handoff-flow-escape"
            turn.done()
            turn.say(_("You are back in your conversation with our officials: write here and they will answer."))
            return False
        handoff_link.leave(turn)
        turn.note = "handoff-escape"
        turn.done()
        turn.show_menu(intro=_("You are back with the automatic assistant."))
        return False
    if in_flow or _button_flow(turn) is not None or _language_words(turn):
        turn.note = "handoff-assistant"
        turn.with_officials = True
        return True
    turn.note = "handoff"  # the officials answer; the inbox shows the message
    return False


def run_turn(turn: Turn) -> None:
    if turn.handoff is not None and not _assistant_during_handoff(turn):
        return
    now = timezone.now()
    session = turn.session
    if session.state != IDLE and session.expires_at and session.expires_at < now:
        turn.note = "timeout"
        turn.done()
        if not (_escape(turn) or turn.text.startswith("#") or turn.event.kind == EventKind.SUBMIT_INFO):
            turn.show_menu(intro=_("Our previous conversation timed out, so we start again from the menu."))
            return
    if _too_large(turn):
        return
    if turn.event.kind == EventKind.SUBMIT_INFO:
        flow = get_flow(turn.flow_name)
        if flow is not None:
            turn.active = flow.name
            flow.handle(turn, turn.step)
        else:  # the typed phone proves nothing: at most "dossiers exist, type the code we sent"
            offer_code_for_shared_phone(turn)
        return
    if _escape(turn):
        turn.note = "escape"
        turn.done()
        turn.show_menu()
        return
    if _language_command(turn):
        return
    if turn.text.startswith("#") and _button(turn):
        return
    flow = get_flow(turn.flow_name)
    if flow is not None:
        turn.active = flow.name
        flow.handle(turn, turn.step)
        return
    idle_input(turn)


def _too_large(turn: Turn) -> bool:
    """A message longer than the assistant reads, or a file larger than a channel accepts: say so in words and stay
    where we were (the same question still waits), instead of failing or cutting it silently."""
    oversized = [a for a in turn.attachments if a.type == "too_large"]
    if oversized:
        turn.note = "too-large-file"
        turn.say(
            _(
                "The file %(name)s is larger than 10 MB, so it was not received. Send a smaller file, or a photo of each page."
            )
            % {"name": oversized[0].name}
        )
        return True
    if len(turn.text) <= max_input_chars():
        return False
    turn.note = "too-long"
    turn.say(
        _(
            "Your message has %(count)s characters; I can read at most %(max)s at a time. Please send it in shorter "
            "parts, or as a PDF file or photos. Your message is kept: if you ask to talk to an official, they can "
            "read all of it."
        )
        % {"count": _grouped(len(turn.text)), "max": _grouped(max_input_chars())}
    )
    return True


def _grouped(number: int) -> str:
    """5242880 -> '5.242.880' in Vietnamese, '5,242,880' in English (Django's vi formats do not group)."""
    return f"{number:,}".replace(",", get_format("THOUSAND_SEPARATOR"))


def _language_words(turn: Turn) -> bool:
    folded = turn.folded.lstrip("#")
    return bool(folded in ENGLISH_WORDS | VIETNAMESE_WORDS | LANGUAGE_WORDS or turn.text in ("#lang:en", "#lang:vi"))


def _language_command(turn: Turn) -> bool:
    folded = turn.folded.lstrip("#")
    if folded in ENGLISH_WORDS or turn.text == "#lang:en":
        _set_language(turn, "en")
        return True
    if folded in VIETNAMESE_WORDS or turn.text == "#lang:vi":
        _set_language(turn, "vi")
        return True
    if folded in LANGUAGE_WORDS:
        turn.say(  # in both languages on purpose: whoever asks may not read the current one
            "Chọn ngôn ngữ · Choose a language",
            [Choice("Tiếng Việt", "#lang:vi"), Choice("English", "#lang:en")],
        )
        return True
    return False


def _set_language(turn: Turn, language: str) -> None:
    from .services import contact_set_language

    contact_set_language(contact=turn.contact, language=language)
    turn.session.language = language
    turn.note = f"language:{language}"
    translation.activate(language)
    turn.say(
        _("From now on I will write in English.") if language == "en" else _("From now on I will write in Vietnamese.")
    )
    # Inside a flow, its question again in the new language (what is on screen is what the next input answers);
    # at the menu, or for a flow that cannot ask again, the menu.
    flow = get_flow(turn.flow_name) if not _expired(turn.session) else None
    if flow is not None:
        turn.active = flow.name
        if flow.reprompt(turn, turn.step):
            turn.say(_("Type 0 at any time for the main menu."))
            return
    turn.done()
    turn.show_menu()


def button_meaning(turn: Turn) -> str:
    """What a tapped button means, in words, for the officials' thread ("" when the input is not a button)."""
    flow = _button_flow(turn)
    if flow is None:
        return ""
    body = turn.text[1:].strip()
    _name, _sep, rest = body.partition(".")
    action, _sep, argument = rest.partition(":")
    return flow.button_meaning(action, argument)


def _button_flow(turn: Turn) -> Flow | None:
    """The flow a tapped button ('#flow' or '#flow.action:argument') belongs to; None: not a button of ours."""
    if not turn.text.startswith("#"):
        return None
    body = turn.text[1:].strip()
    name = body.partition(".")[0].partition(":")[0]
    flow = get_flow(name.lower())
    return flow if flow is not None and flow.available(turn) else None


def _button(turn: Turn) -> bool:
    """'#flow' starts a flow; '#flow.action:argument' is the flow's button. Unknown payloads are plain text."""
    body = turn.text[1:].strip()
    name, _sep, rest = body.partition(".")
    name, _sep2, argument = name.partition(":") if not rest else (name, "", "")
    flow = _button_flow(turn)
    if flow is None:
        return False
    turn.active = flow.name
    if not rest:
        flow.start(turn, argument)
        return True
    action, _sep, argument = rest.partition(":")
    flow.on_button(turn, action, argument)
    return True


def idle_input(turn: Turn) -> None:
    if turn.folded in GREETINGS or not (turn.folded or turn.attachments or turn.location):
        turn.show_menu(intro=_("Hello! How can we help you?"))
        return
    if turn.folded.isdigit():
        names = turn.session.context.get("menu") or [f.name for f in menu_flows(turn)]
        number = int(turn.folded)
        if 1 <= number <= len(names):
            turn.start_flow(names[number - 1])
            return
    flows = menu_flows(turn) + [f for f in _hidden_flows() if f.available(turn)]
    claims = sorted(((flow.claims(turn), -flow.menu_order, flow.name, flow) for flow in flows), reverse=True)
    if claims and claims[0][0] > 0:
        turn.active = claims[0][3].name
        claims[0][3].start(turn, turn.text)
        return
    for flow in flows:
        fallback = getattr(flow, "fallback", None)
        turn.active = flow.name
        if fallback is not None and fallback(turn):
            return
    turn.unknown()


def _hidden_flows() -> list[Flow]:
    from .registry import all_flows

    return [f for f in all_flows() if not f.menu_title]


# -- after the turn: persist, log, reply ------------------------------------------------------------------------


def finish(turn: Turn) -> list[OutboundMessage]:
    """The turn is over: the session and its step log (services), then the replies as outbox rows."""
    session_record_turn(
        session=turn.session,
        to_state=turn.state,
        event_key=_event_key(turn.event),
        input_kind=turn.input_kind,
        input_excerpt="" if turn.private_input else redact_text(turn.text[:400])[:200],
        replies=len(turn.replies),
        note=turn.note,
        minutes=session_minutes(),
    )
    key = f"conv:{turn.channel.pk}:{_digest(turn.event.dedup_key)}"
    return enqueue_replies(turn.channel, turn.channel_contact, turn.replies, key=key, source_type=turn.source_type)


def payloads_for(channel: Channel, reply: Reply) -> list[OutboundPayload]:
    """A reply as the channel can show it: buttons where supported (at most five a message), else numbered text."""
    channel_type = channel.channel_type
    limit = channel_type.max_text_length
    if len(reply.text) > limit:
        reply = Reply(text=reply.text[: limit - 1] + "…", choices=reply.choices, kind=reply.kind, title=reply.title)
    if reply.kind == "request_info":
        return [OutboundPayload(kind="request_info", text=reply.text, title=reply.title)]
    if not reply.choices:
        return [OutboundPayload(kind="text", text=reply.text)]
    if not channel_type.supports_buttons:
        extra = [f"- {c.title}: {c.url}" for c in reply.choices if c.url]
        return [OutboundPayload(kind="text", text="\n".join([reply.text, *extra]))]
    buttons = [
        Button(title=c.title[:35], action="url", value=c.url)
        if c.url
        else Button(title=c.title[:35], action="query_hide", value=c.payload)
        for c in reply.choices
    ]
    payloads = []
    for start in range(0, len(buttons), MAX_BUTTONS):
        text = reply.text if start == 0 else "…"
        payloads.append(OutboundPayload(kind="buttons", text=text, buttons=tuple(buttons[start : start + MAX_BUTTONS])))
    return payloads


def merged(replies: list[Reply]) -> list[Reply]:
    """A turn's replies as one message (plus any form): parallel senders would not keep several in order."""
    out: list[Reply] = []
    texts: list[str] = []
    choices: list[Choice] = []
    for reply in replies:
        if reply.kind != "text":
            out.append(reply)
            continue
        texts.append(reply.text)
        choices += [c for c in reply.choices if c not in choices]
    if texts:
        out.insert(0, Reply(text="\n\n".join(t for t in texts if t), choices=choices))
    return out


def enqueue_replies(
    channel: Channel,
    channel_contact: ChannelContact,
    replies: list[Reply],
    *,
    key: str,
    source_type: str = "conversation",
) -> list[OutboundMessage]:
    number, queued = 0, []
    for reply in merged(replies):
        for payload in payloads_for(channel, reply):
            message = outbox_enqueue(
                channel=channel,
                channel_contact=channel_contact,
                payload=payload,
                idempotency_key=f"{key}:{number}"[:100],
                lane=Lane.TRANSACTIONAL,
                source_type=source_type,
                source_id=str(channel_contact.pk),
            )
            queued.append(message)
            number += 1
    return queued
