"""Beside the conversation: the citizen's dossiers (scoped by the dossiers' own selector), petitions, earlier
hand-offs and messages both ways, as the acting official may see them."""

from django.urls import reverse

from ketnoi.dossiers.models import LinkMethod
from ketnoi.dossiers.services import dossier_receive
from ketnoi.dossiers.services.linking import dossier_link
from ketnoi.inbox.history import contact_history
from ketnoi.inbox.services import handoff_close, handoff_open, handoff_reply
from ketnoi.orgs.models import Agency
from ketnoi.petitions.demo_config import seed_config
from ketnoi.petitions.services import Origin, Petitioner, petition_submit
from ketnoi.procedures.models import Procedure

from .conftest import citizen_message, make_citizen


def _dossier(unit, name):
    agency = Agency.objects.get(code=f"UB.{unit.code}")
    procedure = Procedure.objects.create(
        code=f"INBOX.{unit.code}", name="Chứng thực bản sao", agency=agency, processing_days=1
    )
    return dossier_receive(
        actor=None,
        procedure=procedure,
        receiving_agency=Agency.objects.get(code=f"H90.{unit.code}"),
        applicant_name=name,
    )


def test_history_shows_dossiers_petitions_messages_and_earlier_conversations(world, client, webchat_a):
    citizen = make_citizen(webchat_a, "Võ Thị Thu")
    own = _dossier(world.commune_a, "Võ Thị Thu")
    elsewhere = _dossier(world.commune_b, "Võ Thị Thu")
    dossier_link(dossier=own, contact=citizen, method=LinkMethod.DESK, notify=False)
    dossier_link(dossier=elsewhere, contact=citizen, method=LinkMethod.DESK, notify=False)
    categories = seed_config()
    petition = petition_submit(
        category=next(iter(categories.values())),
        area=world.commune_a,
        subject="Đèn đường hỏng",
        text="Đèn đường trước nhà tôi hỏng đã một tuần.",
        petitioner=Petitioner(name="Võ Thị Thu"),
        origin=Origin(channel_contact=citizen),
    )
    earlier = handoff_open(channel_contact=citizen, reason="Lần trước", requested_by_citizen=True)
    handoff_close(actor=world.processor_a, handoff=earlier, return_to_bot=False)
    citizen_message(citizen, "Tôi hỏi về bản sao")
    handoff = handoff_open(channel_contact=citizen, reason="Lần này", requested_by_citizen=True)
    handoff_reply(actor=world.processor_a, handoff=handoff, text="Chị mang bản chính nhé", token="h")

    history = contact_history(official=world.processor_a, handoff=handoff)
    assert [d.pk for d in history.dossiers] == [own.pk]  # commune B's dossier is not commune A's to see
    assert history.petitions is not None and petition.pk in [p.pk for p in history.petitions]
    assert [h.pk for h in history.handoffs] == [earlier.pk]
    texts = [(line.direction, line.text) for line in history.messages]
    assert ("in", "Tôi hỏi về bản sao") in texts and ("out", "Chị mang bản chính nhé") in texts

    client.force_login(world.processor_a)
    page = client.get(reverse("console:inbox_detail", kwargs={"uuid": handoff.uuid})).content.decode()
    assert own.receipt_code in page and elsewhere.receipt_code not in page and petition.tracking_code in page


def test_other_channels_of_the_same_person_count_only_inside_the_scope(world, webchat_a, webchat_b):
    citizen = make_citizen(webchat_a, "Hồ Văn Khoa")
    on_b = make_citizen(webchat_b, "Hồ Văn Khoa")
    on_b.contact = citizen.contact
    on_b.save(update_fields=["contact"])
    citizen_message(on_b, "Tin nhắn ở xã Bình An")
    handoff = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)
    texts = [line.text for line in contact_history(official=world.processor_a, handoff=handoff).messages]
    assert "Tin nhắn ở xã Bình An" not in texts
    province_official = world.user("xuly.tuphap")  # a processing officer of the province: both communes in scope
    assert "Tin nhắn ở xã Bình An" in [
        line.text for line in contact_history(official=province_official, handoff=handoff).messages
    ]


def test_what_sent_each_message_is_named_in_vietnamese(world, client, webchat_a):
    """The official reads "(cán bộ)", not the outbox's source_type "(handoff)"."""
    citizen = make_citizen(webchat_a, "Võ Thị Thu")
    citizen_message(citizen, "Tôi hỏi về bản sao")
    handoff = handoff_open(channel_contact=citizen, reason="Hỏi bản sao", requested_by_citizen=True)
    handoff_reply(actor=world.processor_a, handoff=handoff, text="Chị mang bản chính nhé", token="h")
    client.cookies["django_language"] = "vi"
    client.force_login(world.processor_a)
    page = client.get(reverse("console:inbox_detail", kwargs={"uuid": handoff.uuid})).content.decode()
    log = page[page.index('id="history-messages"') :]
    assert "Chị mang bản chính nhé" in log and '<span class="muted">(cán bộ)</span>' in log
    assert "(handoff)" not in log
