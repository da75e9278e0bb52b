"""One citizen's chat as the inbound pipeline sees it, without the sandbox: a signed webhook stored by the real intake,
then claimed and processed in this process. For the statement budgets (test_budgets.py) and measure_chat_cpu.py (run by hand)."""

import itertools
from types import SimpleNamespace

from django.test import Client

from ketnoi.contacts.models import ChannelContact
from tests.channels import samples
from tests.channels.conftest import make_zalo_channel, post_signed

_ids = itertools.count(1)

# What a citizen types, by kind: a greeting, a dossier's receipt code, a free-text question about a procedure.
GREETING = "xin chào"
QUESTION = "thủ tục đăng ký khai sinh cần giấy tờ gì"


def chat_world(world) -> SimpleNamespace:
    """A Zalo channel of commune A, the demo procedures, and one dossier whose code a citizen can look up."""
    from ketnoi.dossiers.services import dossier_receive
    from ketnoi.orgs.models import Agency, Desk
    from tests.conversations.conftest import APPLICANT_PHONE
    from tests.dossiers.conftest import make_procedures

    channel = make_zalo_channel(world.commune_a)
    procedures = make_procedures()
    agency = Agency.objects.get(code="H90.90001")
    dossier = dossier_receive(
        actor=world.desk_a,
        procedure=procedures.birth,
        receiving_agency=agency,
        desk=Desk.objects.get(agency=agency, code="Q01"),
        applicant_name="Nguyễn Thị Mai",
        applicant_phone=APPLICANT_PHONE,
    )
    return SimpleNamespace(channel=channel, dossier=dossier, client=Client())


def store(chat, user_id: str, text: str) -> None:
    """The citizen's message, stored by the webhook as Zalo would send it (not processed)."""
    event = samples.text(msg_id=f"m{next(_ids)}", body=text, user_id=user_id)
    response = post_signed(chat.client, chat.channel, event)
    assert response.status_code == 200, response.content


def known_person(chat, user_id: str) -> ChannelContact:
    """A follower whose profile was fetched: what a citizen is from their second message on."""
    from ketnoi.pipeline.claimer import drain

    store(chat, user_id, "0")
    drain()
    person = ChannelContact.objects.get(channel=chat.channel, user_id=user_id)
    ChannelContact.objects.filter(pk=person.pk).update(display_name="Nguyễn Thị Hoa", is_follower=True)
    return person
