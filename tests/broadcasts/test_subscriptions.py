"""Subscriptions: what the chat's subscription flow writes, and what it refuses."""

import pytest

from ketnoi.broadcasts.services import subscription_for, subscription_set
from ketnoi.core.errors import ApplicationError

from .conftest import residential_groups


def test_set_and_replace_a_subscription(world, channel_a, follower):
    person = follower(channel_a, "u1")
    assert subscription_for(person) is None
    group = residential_groups(world.commune_a)[0]
    first = subscription_set(channel_contact=person, topics={"news", "emergency"}, group=group)
    assert first.topics == {"news", "emergency"}
    assert first.area == world.commune_a  # taken from the group
    assert first.area_path == group.path
    second = subscription_set(channel_contact=person, topics={"policies"}, area=world.commune_b)
    assert second.pk == first.pk
    assert subscription_for(person).topics == {"policies"}
    assert subscription_for(person).area_path == world.commune_b.path
    assert subscription_for(person).group is None


def test_refuses_unknown_topics_and_wrong_units(world, channel_a, follower):
    person = follower(channel_a, "u2")
    with pytest.raises(ApplicationError, match="Unknown topics"):
        subscription_set(channel_contact=person, topics={"sports"})
    with pytest.raises(ApplicationError):
        subscription_set(channel_contact=person, topics={"news"}, area=world.province)
    group_b = residential_groups(world.commune_b)[0]
    with pytest.raises(ApplicationError, match="not inside"):
        subscription_set(channel_contact=person, topics={"news"}, area=world.commune_a, group=group_b)
    assert subscription_for(person) is None  # nothing half-written
