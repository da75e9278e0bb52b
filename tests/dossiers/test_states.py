"""The transition table, exhaustively: every legal move works through dossier_transition's checks, every other pair
is refused with an error naming both states, and the API mirrors any move except out of a final state."""

import itertools

import pytest

from django.utils import translation

from ketnoi.core.errors import ApplicationError
from ketnoi.dossiers.states import (
    FINAL_STATES,
    NATIONAL_CODE,
    TRANSITIONS,
    Party,
    State,
    check_transition,
    is_allowed,
    state_for_code,
)

ALL_PAIRS = [(a, b) for a, b in itertools.product(State.values, State.values) if a != b]
LEGAL = sorted((a, b, p) for (a, b), parties in TRANSITIONS.items() for p in parties)
ILLEGAL = sorted(pair for pair in ALL_PAIRS if pair not in TRANSITIONS)
HUMAN_PARTIES = (Party.DESK, Party.PROCESSING, Party.CITIZEN)


def test_every_state_has_a_national_code_from_1_to_10():
    assert set(NATIONAL_CODE) == set(State.values)
    assert set(NATIONAL_CODE.values()) == set(range(1, 11))


@pytest.mark.parametrize(("from_state", "to_state", "party"), LEGAL)
def test_legal_transition(from_state, to_state, party):
    check_transition(from_state, to_state, {party})


@pytest.mark.parametrize(("from_state", "to_state"), ILLEGAL)
def test_illegal_transition_names_both_states(from_state, to_state):
    with translation.override("en"), pytest.raises(ApplicationError) as raised:
        check_transition(from_state, to_state, set(HUMAN_PARTIES) | {Party.SYSTEM})
    assert raised.value.code == "illegal_transition"
    assert raised.value.extra == {"from": from_state, "to": to_state}
    with translation.override("en"):
        assert str(State(from_state).label) in raised.value.message
        assert str(State(to_state).label) in raised.value.message


@pytest.mark.parametrize(
    ("from_state", "to_state", "party"),
    sorted((a, b, p) for (a, b), parties in TRANSITIONS.items() for p in HUMAN_PARTIES if p not in parties),
)
def test_legal_move_by_the_wrong_party_is_refused(from_state, to_state, party):
    with pytest.raises(ApplicationError) as raised:
        check_transition(from_state, to_state, {party})
    assert raised.value.code == "transition_not_permitted"


@pytest.mark.parametrize(("from_state", "to_state"), ALL_PAIRS)
def test_the_api_mirrors_every_move_except_out_of_a_final_state(from_state, to_state):
    assert is_allowed(from_state, to_state, {Party.API}) == (from_state not in FINAL_STATES)


def test_final_states_have_no_way_out_for_anyone():
    for (from_state, _to), _parties in TRANSITIONS.items():
        assert from_state not in FINAL_STATES


def test_national_code_8_after_a_withdrawal_request_is_the_withdrawal():
    assert state_for_code(8, State.WITHDRAWAL_REQUESTED) == State.WITHDRAWN
    assert state_for_code(8, State.PROCESSING) == State.REFUSED
    assert state_for_code(4, State.PAUSED) == State.PAUSED
    with pytest.raises(ApplicationError):
        state_for_code(11, State.PROCESSING)
