"""Inbox fixtures: a web chat channel of commune A, a citizen on it, and helpers to open hand-offs."""

import datetime as dt

import pytest

from django.utils import timezone

from ketnoi.channels.models import Channel
from ketnoi.contacts.models import ChannelContact, Contact, InboundMessage

_serial = iter(range(1, 10**6))


def make_citizen(channel: Channel, name: str = "Trần Văn Bình", *, phone: str = "", hours_ago: float = 1):
    n = next(_serial)
    contact = Contact.objects.create(name=name, phone=phone)
    return ChannelContact.objects.create(
        channel=channel,
        contact=contact,
        user_id=f"citizen-{n}",
        display_name=name,
        is_follower=True,
        last_interaction_at=timezone.now() - dt.timedelta(hours=hours_ago),
    )


def citizen_message(channel_contact: ChannelContact, text: str, *, at=None) -> InboundMessage:
    n = next(_serial)
    return InboundMessage.objects.create(
        channel=channel_contact.channel,
        channel_contact=channel_contact,
        provider_message_id=f"m-{n}",
        kind="text",
        text=text,
        received_at=at or timezone.now(),
    )


@pytest.fixture
def webchat_a(world):
    return Channel.objects.create(unit=world.commune_a, type_code="webchat", name="Hỏi đáp Phường Đông Hòa")


@pytest.fixture
def webchat_b(world):
    return Channel.objects.create(unit=world.commune_b, type_code="webchat", name="Hỏi đáp Xã Bình An")


@pytest.fixture
def citizen(webchat_a):
    return make_citizen(webchat_a)
