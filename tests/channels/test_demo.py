from django.urls import reverse

from ketnoi.channels.demo import seed
from ketnoi.channels.models import Channel


def test_demo_web_chat_is_seeded_once_and_served(world, client):
    seed()
    seed()
    channel = Channel.objects.get(type_code="webchat")
    assert channel.unit == world.province
    assert str(channel.uuid) in client.get(reverse("portal:webchat")).content.decode()
