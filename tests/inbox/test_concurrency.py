"""Hand-offs opened at the same moment (PostgreSQL: real row locks): one per person, and round-robin gives
simultaneous conversations to different officials."""

import threading

import pytest

from django.db import connection, connections

from ketnoi.inbox.models import Handoff
from ketnoi.inbox.services import duty_set, handoff_open

from .conftest import make_citizen

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


def _at_once(calls):
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def test_simultaneous_requests_of_one_person_open_one_handoff(transactional_world):
    from ketnoi.channels.models import Channel

    channel = Channel.objects.create(unit=transactional_world.commune_a, type_code="webchat", name="Hỏi đáp")
    citizen = make_citizen(channel)
    opened = _at_once([lambda: handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)] * 4)
    assert len({h.pk for h in opened}) == 1 and Handoff.objects.count() == 1


def test_simultaneous_handoffs_go_to_different_officials_on_duty(transactional_world):
    from ketnoi.channels.models import Channel

    world = transactional_world
    channel = Channel.objects.create(unit=world.commune_a, type_code="webchat", name="Hỏi đáp")
    for official in (world.desk_a, world.processor_a):
        duty_set(actor=official, user=official, unit=world.commune_a, on_duty=True)
    people = [make_citizen(channel) for _ in range(2)]
    opened = _at_once(
        [lambda p=p: handoff_open(channel_contact=p, reason="", requested_by_citizen=True) for p in people]
    )
    assert {h.assigned_to_id for h in opened} == {world.desk_a.pk, world.processor_a.pk}
