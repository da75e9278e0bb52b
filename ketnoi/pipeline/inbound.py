"""One event a person sent, through the domains, in this order. The claimer (claimer.py) calls `handle` for each
event parsed from a stored webhook, inside the transaction that marks it handled: every write below commits with
that mark, or none does. The person is loaded (and locked) once by contacts and passed along; each later step is
a plain function of its domain, cheapest checks first (no token, no hand-off hint: no query).

    receipts        outbox      delivered / seen move outbound messages forward
                    notify      and the notifications those messages carry (their senders' callbacks)
    group chats     broadcasts  joined / left / written in a community group's Zalo chat (never the assistant)
    every other kind from a person:
      the person    contacts    identity, follow state, window, shared info, tags; the message stored
      follow        dossiers    the receipt QR's token links a dossier  -> conversations: the welcome and menu
      unfollow      conversations  bulk messages cancelled, subscriptions cut, the session reset
      tagged        broadcasts  the provider's tags mirrored
      submit info   broadcasts  a shared address places the follower -> conversations: the flow waiting for it
      message       dossiers    a pasted lookup link links a dossier
                    inbox       joins (or reopens) the person's hand-off
                    broadcasts  "#bc..." buttons and "lienket" codes: answered there, the assistant stays out
                    conversations  the assistant's turn (quiet while a hand-off is open) and its replies
"""

from ketnoi.broadcasts import inbound as broadcasts
from ketnoi.broadcasts.services.audience import tags_from_provider
from ketnoi.broadcasts.services.chatgroups import GROUP_KINDS, chat_group_event
from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import EventKind, InboundEvent
from ketnoi.contacts.services import contact_from_event
from ketnoi.conversations.engine import answer
from ketnoi.conversations.welcome import goodbye, welcome
from ketnoi.dossiers.inbound import link_from_event
from ketnoi.inbox.inbound import handoff_for_message, handoff_for_person
from ketnoi.notify.tracking import receipt_track
from ketnoi.outbox.services import outbox_receipt_apply

RECEIPTS = {EventKind.DELIVERED, EventKind.SEEN}
FROM_A_PERSON = {
    EventKind.MESSAGE,
    EventKind.FOLLOW,
    EventKind.UNFOLLOW,
    EventKind.SUBMIT_INFO,
    EventKind.TAGGED,
    EventKind.CHAT_OPENED,
}


def handle(channel: Channel, event: InboundEvent) -> bool:
    """False: nothing here handles this kind of event (the claimer marks a webhook of only such events ignored)."""
    if event.kind in RECEIPTS:
        outbox_receipt_apply(channel=channel, event=event)
        receipt_track(channel, event)
        return True
    if event.kind in GROUP_KINDS:
        chat_group_event(channel, event)
        return True
    if event.kind not in FROM_A_PERSON or not event.user_id:
        return False
    person, message = contact_from_event(channel=channel, event=event)
    if event.kind == EventKind.FOLLOW:
        linked = link_from_event(person=person, event=event)
        welcome(person=person, event=event, linked=linked)
    elif event.kind == EventKind.UNFOLLOW:
        goodbye(person=person)
    elif event.kind == EventKind.TAGGED:
        tags_from_provider(channel_contact=person, names=event.tags)
    elif event.kind == EventKind.SUBMIT_INFO:
        broadcasts.place_from_address(person=person, address=str(event.info.get("address") or ""))
        answer(person=person, event=event, handoff=handoff_for_person(person=person))
    elif event.kind == EventKind.MESSAGE:
        link_from_event(person=person, event=event)
        handoff = handoff_for_message(person=person, message=message)
        if broadcasts.is_command(event.text):
            broadcasts.command(person=person, event=event)
        else:
            answer(person=person, event=event, handoff=handoff, message=message)
    return True
