"""The transition table: who may take which action from which state; everything else is refused."""

import pytest

from django.utils import translation

from ketnoi.core.errors import ApplicationError
from ketnoi.petitions.states import FINAL_STATES, TRANSITIONS, Action, Party, State, actions_from, next_state


def test_table_names_only_known_states_and_actions():
    for (state, action), (to_state, parties) in TRANSITIONS.items():
        assert state in State.values and to_state in State.values and action in {a.value for a in Action}
        assert parties and all(isinstance(p, Party) for p in parties)


def test_final_states_have_no_way_out():
    for state in FINAL_STATES:
        assert actions_from(state) == []


def test_only_leaders_approve_and_only_petitioners_reopen():
    assert next_state(State.AWAITING_APPROVAL, Action.APPROVE_ANSWER, {Party.LEADER}) == State.ANSWERED
    with pytest.raises(ApplicationError) as officer:
        next_state(State.AWAITING_APPROVAL, Action.APPROVE_ANSWER, {Party.OFFICER})
    assert officer.value.code == "transition_not_permitted"
    assert next_state(State.ANSWERED, Action.REOPEN, {Party.PETITIONER}) == State.REOPENED
    with pytest.raises(ApplicationError):
        next_state(State.ANSWERED, Action.REOPEN, {Party.OFFICER, Party.LEADER})


def test_forwarding_again_is_an_action_and_illegal_moves_are_named():
    assert next_state(State.FORWARDED, Action.FORWARD, {Party.OFFICER}) == State.FORWARDED
    with translation.override("en"), pytest.raises(ApplicationError) as illegal:
        next_state(State.RECEIVED, Action.SUBMIT_ANSWER, {Party.OFFICER})
    assert illegal.value.code == "illegal_transition" and "submit an answer to" in illegal.value.message
    assert illegal.value.extra["action"] == "submit_answer"
