"""A citizen's data by phone or ID number: exported (everything found, in clear, for them) and erased (chat
identities, messages both ways, webhooks, chat log, codes, links; dossiers and petitions kept as records), by the
command and by a system administrator in the console, each recorded and audited; another citizen untouched."""

import io
import json

import pytest

from django.core.management import call_command

from ketnoi.channels.models import Channel, ChannelEvent
from ketnoi.contacts.models import ChannelContact, Contact, InboundMessage
from ketnoi.conversations.models import ConversationSession, ConversationStep
from ketnoi.core.models import AuditEntry
from ketnoi.dossiers.models import Dossier, DossierLink
from ketnoi.ops.models import DataRequest
from ketnoi.outbox.models import OutboundMessage

PHONE, OTHER = "+84912345678", "+84987654321"


@pytest.fixture
def citizens(world, receive):
    channel = Channel.objects.create(unit=world.commune_a, type_code="zalo", name="OA Đông Hòa", external_id="oa-cd")
    people = {}
    for phone, user_id in ((PHONE, "u-mai"), (OTHER, "u-lan")):
        contact = Contact.objects.create(name=f"Người {user_id}", phone=phone)
        person = ChannelContact.objects.create(channel=channel, contact=contact, user_id=user_id, is_follower=True)
        dossier = receive(applicant_phone=phone, applicant_id_number="001203004567" if phone == PHONE else "")
        DossierLink.objects.create(dossier=dossier, channel_contact=person, method="verified_phone")
        InboundMessage.objects.create(
            channel=channel, channel_contact=person, provider_message_id=f"m-{user_id}", kind="text", text="Xin chào"
        )
        OutboundMessage.objects.create(
            channel=channel,
            channel_contact=person,
            recipient_user_id=user_id,
            kind="text",
            payload={"text": "Hồ sơ đã tiếp nhận"},
            idempotency_key=f"o-{user_id}",
        )
        ChannelEvent.objects.create(channel=channel, dedup_key=f"e-{user_id}", user_id=user_id, raw_body="{}")
        session = ConversationSession.objects.create(channel_contact=person)
        ConversationStep.objects.create(session=session, event_key=f"e-{user_id}", input_kind="text")
        people[phone] = (person, dossier)
    return people


def test_export_by_phone_holds_everything_found(citizens):
    out = io.StringIO()
    call_command(
        "citizen_data", "export", "--phone", "0912 345 678", "--reason", "Đơn số 12", stdout=out, stderr=io.StringIO()
    )
    data = json.loads(out.getvalue())
    assert [d["receipt_code"] for d in data["dossiers"]] == [citizens[PHONE][1].receipt_code]
    assert data["dossiers"][0]["applicant_id_number"] == "001203004567"
    assert data["contacts"][0]["phone"] == PHONE and len(data["channel_identities"]) == 1
    assert [m["text"] for m in data["messages_received"]] == ["Xin chào"]
    assert {"text": "Hồ sơ đã tiếp nhận"} in [m["payload"] for m in data["messages_sent"]]  # and the receipt notice
    assert len(data["conversation_steps"]) == 1
    request = DataRequest.objects.get()
    assert request.kind == "export" and request.subject == "091****678" and request.counts["dossiers"] == 1
    assert AuditEntry.objects.filter(action="personal_data.export", target_id=str(request.uuid)).exists()


def test_export_by_id_number_finds_the_dossier(citizens):
    out = io.StringIO()
    call_command("citizen_data", "export", "--id-number", "001 203 004 567", stdout=out, stderr=io.StringIO())
    assert [d["receipt_code"] for d in json.loads(out.getvalue())["dossiers"]] == [citizens[PHONE][1].receipt_code]


def test_erasure_removes_the_conversation_side_and_keeps_the_records(citizens):
    with pytest.raises(Exception, match="--yes"):
        call_command("citizen_data", "erase", "--phone", PHONE, stdout=io.StringIO())
    out = io.StringIO()
    call_command("citizen_data", "erase", "--phone", PHONE, "--yes", "--reason", "Đơn số 13", stdout=out)
    person, dossier = citizens[PHONE]
    assert not ChannelContact.objects.filter(pk=person.pk).exists()
    assert not Contact.objects.filter(phone=PHONE).exists()
    assert not InboundMessage.objects.filter(provider_message_id="m-u-mai").exists()
    assert not OutboundMessage.objects.filter(idempotency_key="o-u-mai").exists()
    assert not ChannelEvent.objects.filter(user_id="u-mai").exists()
    assert not ConversationStep.objects.filter(event_key="e-u-mai").exists()
    assert Dossier.objects.filter(pk=dossier.pk).exists() and not DossierLink.objects.filter(dossier=dossier).exists()
    request = DataRequest.objects.get(kind="erasure")
    assert request.counts["messages_received"] == 1 and request.counts["dossiers_kept"] == 1
    assert AuditEntry.objects.filter(action="personal_data.erasure").count() == 1
    assert "dossiers_kept: 1" in out.getvalue()
    # the other citizen is untouched
    other, other_dossier = citizens[OTHER]
    assert ChannelContact.objects.filter(pk=other.pk).exists()
    assert InboundMessage.objects.filter(provider_message_id="m-u-lan").exists()
    assert DossierLink.objects.filter(dossier=other_dossier).exists()


def test_only_system_administrators(world, client, citizens):
    client.force_login(world.unit_admin_a)
    assert client.get("/console/personal-data/").status_code == 403
    client.force_login(world.admin)
    page = client.get("/console/personal-data/")
    assert page.status_code == 200
    refused = client.post("/console/personal-data/", {"action": "erase", "phone": PHONE, "reason": "x"})
    assert refused.status_code == 200 and ChannelContact.objects.filter(user_id="u-mai").exists()  # not confirmed
    exported = client.post("/console/personal-data/", {"action": "export", "phone": PHONE, "reason": "Đơn 14"})
    assert exported["Content-Disposition"].startswith("attachment;")
    assert json.loads(exported.content)["contacts"][0]["phone"] == PHONE
    erased = client.post(
        "/console/personal-data/", {"action": "erase", "phone": PHONE, "reason": "Đơn 15", "confirm": "on"}
    )
    assert erased.status_code == 302 and not ChannelContact.objects.filter(user_id="u-mai").exists()
    assert DataRequest.objects.filter(requested_by=world.admin).count() == 2
    assert "091****678" in client.get("/console/personal-data/").content.decode()
