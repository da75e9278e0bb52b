"""Outbox fixtures: a real HTTP sink, the test channel types registered through settings, channels on it; a Zalo
OA connected to the sandbox."""

import itertools

import pytest

from ketnoi.channels.models import Channel
from ketnoi.channels.types import load_channel_types
from ketnoi.channels.types.zalo import tokens
from ketnoi.contacts.models import ChannelContact, Contact
from tests.sandbox_oa import connect_sandbox_oa

from .sink import SINK_TYPES, Sink

_serial = itertools.count(1)


@pytest.fixture
def sink():
    server = Sink()
    yield server
    server.close()


@pytest.fixture
def sink_types(settings):
    original = list(settings.CHANNEL_TYPES)
    settings.CHANNEL_TYPES = SINK_TYPES
    settings.OUTBOX_RETRY_BASE_SECONDS = 0.05
    settings.OUTBOX_RETRY_MAX_SECONDS = 0.2
    load_channel_types()
    yield
    settings.CHANNEL_TYPES = original
    load_channel_types()


@pytest.fixture
def make_channel(transactional_world, sink, sink_types):
    def make(*, unit=None, type_code="testsink", quota_per_minute=6000, quota_group="", **config):
        n = next(_serial)
        return Channel.objects.create(
            unit=unit or transactional_world.commune_a,
            type_code=type_code,
            name=f"{type_code} {n}",
            external_id=f"oa{n}",
            config={"url": sink.url, **config},
            quota_per_minute=quota_per_minute,
            quota_group=quota_group,
        )

    return make


@pytest.fixture
def make_follower():
    def make(channel, user_id, *, phone="", is_follower=True):
        contact = Contact.objects.create(name=f"Person {user_id}", phone=phone)
        return ChannelContact.objects.create(
            channel=channel, contact=contact, user_id=user_id, is_follower=is_follower, shared_phone=phone
        )

    return make


@pytest.fixture
def oa(zalo_sandbox, transactional_world, live_server):
    channel, created = connect_sandbox_oa(
        zalo_sandbox, unit=transactional_world.commune_a, live_server_url=live_server.url
    )
    yield channel, created
    tokens.forget(channel.pk)
    # The sandbox's webhooks still in flight (receipts) are waited for by zalo_sandbox's reset, before the
    # database is emptied.
