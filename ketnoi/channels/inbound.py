"""Where parsed inbound events go. The messaging core knows nothing of dossiers or conversations: apps register.

contacts registers first (it keeps identities and follow state), outbox registers for delivered/seen receipts,
conversations registers for messages. Handlers run in `order`, inside the transaction that marks the event handled.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .types.base import EventKind, InboundEvent

if TYPE_CHECKING:
    from .models import Channel

EventHandler = Callable[["Channel", InboundEvent], None]


@dataclass(frozen=True)
class _Registration:
    kinds: frozenset[EventKind]
    handler: EventHandler
    order: int
    name: str


_HANDLERS: list[_Registration] = []


def register_event_handler(kinds: set[EventKind], handler: EventHandler, *, order: int = 100) -> None:
    """Call from an AppConfig.ready(). Lower order runs first; contacts use 10, outbox 20, conversations 50."""
    name = f"{handler.__module__}.{handler.__qualname__}"
    if any(r.name == name for r in _HANDLERS):
        return
    _HANDLERS.append(_Registration(frozenset(kinds), handler, order, name))
    _HANDLERS.sort(key=lambda r: r.order)


def handlers_for(kind: EventKind) -> list[EventHandler]:
    return [r.handler for r in _HANDLERS if kind in r.kinds]
