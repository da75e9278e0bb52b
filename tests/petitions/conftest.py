"""Petitions tests: the demo province with its petition categories, routing rules, monitor and association."""

import pytest

from django.contrib.auth import get_user_model

from ketnoi.orgs.models import Agency
from ketnoi.petitions.demo_config import seed_config, seed_officials
from ketnoi.petitions.services import Petitioner, petition_submit
from tests.conftest import build_world


def build_petition_world():
    world = build_world()
    world.categories = seed_config()
    seed_officials()
    User = get_user_model()
    world.monitor = User.objects.get(username="giamsat.tinh")
    world.association = User.objects.get(username="hiephoi.doanhnghiep")
    world.justice_officer = User.objects.get(username="xuly.tuphap")
    world.justice_leader = User.objects.get(username="lanhdao.tuphap")
    world.centre_a = Agency.objects.get(code="H90.90001")
    return world


@pytest.fixture
def pw(db):
    return build_petition_world()


@pytest.fixture
def transactional_pw(transactional_db):
    return build_petition_world()


def file_petition(world, *, category="ha-tang", area=None, text=None, **kwargs):
    petitioner = kwargs.pop(
        "petitioner", Petitioner(name="Nguyễn Văn An", phone="0912 000 111", address="số 12 đường Lê Lợi")
    )
    return petition_submit(
        category=world.categories[category],
        area=area or world.commune_a,
        subject=kwargs.pop("subject", "Đèn đường hỏng"),
        text=text or "Đèn đường trước tổ dân phố 2 bị hỏng hơn một tuần, buổi tối rất tối và nguy hiểm.",
        petitioner=petitioner,
        **kwargs,
    )


@pytest.fixture
def make_petition():
    return file_petition


def chat_person(unit, *, user_id="pakn-user-1", phone="+84912000111"):
    """A person on a web chat channel of `unit`: petitions filed from it are answered there."""
    from ketnoi.channels.models import Channel
    from ketnoi.contacts.models import ChannelContact, Contact

    channel = Channel.objects.get_or_create(unit=unit, type_code="webchat", name=f"Web chat {unit.code}")[0]
    contact = Contact.objects.create(name="Nguyễn Văn An", phone=phone)
    return ChannelContact.objects.create(channel=channel, contact=contact, user_id=user_id, is_follower=True)


def messages_about(petition):
    from ketnoi.outbox.models import OutboundMessage

    return list(OutboundMessage.objects.filter(source_type="petition", source_id=str(petition.uuid)).order_by("id"))
