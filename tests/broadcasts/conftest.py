"""Broadcast fixtures: a channel per commune, followers placed in areas, residential groups of the demo province."""

import itertools

import pytest

from ketnoi.channels.models import Channel
from ketnoi.contacts.models import ChannelContact, Contact
from ketnoi.orgs.models import AdministrativeUnit, UnitKind

_serial = itertools.count(1)


def residential_groups(commune):
    return list(
        AdministrativeUnit.objects.filter(
            parent=commune, kind__in=[UnitKind.RESIDENTIAL_GROUP, UnitKind.VILLAGE], valid_to__isnull=True
        ).order_by("name")
    )


def new_channel(unit, *, type_code="zalo", **config):
    n = next(_serial)
    return Channel.objects.create(
        unit=unit, type_code=type_code, name=f"OA {unit.name} {n}", external_id=f"bc-oa{n}", config=config
    )


def new_follower(channel, user_id, *, language="vi", is_follower=True, phone=""):
    contact = Contact.objects.create(name=f"Person {user_id}", language=language, phone=phone)
    return ChannelContact.objects.create(
        channel=channel, contact=contact, user_id=user_id, is_follower=is_follower, shared_phone=phone
    )


@pytest.fixture
def channel_a(world):
    return new_channel(world.commune_a)


@pytest.fixture
def channel_b(world):
    return new_channel(world.commune_b)


@pytest.fixture
def follower():
    return new_follower


@pytest.fixture(autouse=True)
def english_messages():
    """Service errors are translated when raised: the tests read them in English (pages choose by cookie)."""
    from django.utils import translation

    with translation.override("en"):
        yield
