"""Migration dossiers 0005: links made earlier from a phone typed in Zalo's form stop, unless the person has since
proven the dossier's phone with a one-time code; links made any other way are left alone."""

import importlib

from django.apps import apps

from ketnoi.channels.models import Channel
from ketnoi.contacts.models import ChannelContact, Contact
from ketnoi.dossiers.models import DossierLink, LinkMethod

migration = importlib.import_module("ketnoi.dossiers.migrations.0005_unproven_phone_links_off")


def person(channel, user_id: str, phone: str = "") -> ChannelContact:
    contact = Contact.objects.create(phone=phone)
    return ChannelContact.objects.create(
        channel=channel, contact=contact, user_id=user_id, is_follower=True, shared_phone="+84912345678"
    )


def test_unproven_shared_phone_links_are_switched_off(receive, world):
    dossier = receive()
    channel = Channel.objects.create(unit=world.commune_a, type_code="webchat", name="Web chat")
    stranger, owner, by_code = person(channel, "a"), person(channel, "b", "+84912345678"), person(channel, "c")
    DossierLink.objects.create(dossier=dossier, channel_contact=stranger, method=LinkMethod.SHARED_PHONE)
    DossierLink.objects.create(dossier=dossier, channel_contact=owner, method=LinkMethod.SHARED_PHONE)
    DossierLink.objects.create(dossier=dossier, channel_contact=by_code, method=LinkMethod.CODE)

    migration.unproven_links_off(apps, None)

    active = dict(DossierLink.objects.values_list("channel_contact__user_id", "is_active"))
    assert active == {"a": False, "b": True, "c": True}
