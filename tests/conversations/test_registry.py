"""The engine's rules without a phone: the transition tables are enforced, keywords tolerate typos, codes are read
however they are typed, and every flow's table names real steps."""

import datetime as dt

import pytest

from ketnoi.channels.services import webchat_channel_create
from ketnoi.channels.types.base import EventKind, InboundEvent
from ketnoi.contacts.models import ChannelContact, Contact
from ketnoi.conversations.engine import Turn, session_for
from ketnoi.conversations.registry import ENTRY, Flow, IllegalTransition, all_flows, keyword_in, register_flow
from ketnoi.core.text import fold


@pytest.mark.parametrize(
    ("text", "keyword", "expected"),
    [
        ("cho toi tra cuu ho so", "tra cuu", True),
        ("tra cuuu", "tra cuu", True),  # a held-down key
        ("dang ky nhan tinn", "dang ky nhan tin", True),  # one letter too many
        ("Tra cứu hồ sơ", "tra cuu", True),  # diacritics
        ("tra", "tra cuu", False),
        ("cuu tra", "tra cuu", False),  # word order matters for a phrase
    ],
)
def test_keywords_tolerate_typos_and_diacritics(text, keyword, expected):
    assert keyword_in(fold(text), keyword) is expected


def test_flow_names_and_tables_are_checked_when_registered():
    class Bad(Flow):
        name = "bad.name"

    with pytest.raises(ValueError):
        register_flow(Bad)

    class BadStep(Flow):
        name = "badstep"
        transitions = {ENTRY: {"a.b"}}

    with pytest.raises(ValueError):
        register_flow(BadStep)


def test_every_flow_has_an_entry_and_only_reachable_steps():
    for flow in all_flows():
        if not flow.transitions:
            continue  # a one-shot flow: answers and returns to the menu
        assert ENTRY in flow.transitions, flow.name
        steps = set(flow.transitions) - {ENTRY}
        for targets in flow.transitions.values():
            assert targets <= steps, (flow.name, targets - steps)


def test_a_move_outside_the_table_is_refused(world):
    channel = webchat_channel_create(actor=None, unit=world.commune_a, name="Hỏi đáp")
    person = ChannelContact.objects.create(channel=channel, contact=Contact.objects.create(), user_id="v1")
    event = InboundEvent(
        kind=EventKind.MESSAGE, provider_event="visitor_message", dedup_key="k1", occurred_at=dt.datetime.now(dt.UTC)
    )
    turn = Turn(channel=channel, channel_contact=person, session=session_for(person), event=event)
    turn.goto("code", flow="lookup")
    turn.goto("digits")
    with pytest.raises(IllegalTransition):
        turn.goto("files")  # a dossier step, not lookup's
    with pytest.raises(IllegalTransition):
        turn.goto("postal_confirm", flow="dossier")  # not an entry step of the dossier flow
    turn.done()
    assert turn.state == "menu"
