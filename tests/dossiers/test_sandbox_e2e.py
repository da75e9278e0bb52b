"""End to end through the Zalo sandbox: a citizen follows the OA from the receipt QR (the follow carries the
signed token), is linked to the dossier, and receives exactly one message per status change, sent by the real
dispatcher over HTTP. Without a follower, the same notices reach the phone as ZBS template messages."""

import pytest

from ketnoi.channels.types.zalo import tokens
from ketnoi.dossiers.models import DossierLink, LinkMethod
from ketnoi.dossiers.services import (
    dossier_receive,
    dossier_request_supplement,
    dossier_result_ready,
    dossier_return_result,
    dossier_supplement_received,
    dossier_transition,
)
from ketnoi.dossiers.tokens import dossier_token
from ketnoi.orgs.models import Agency
from ketnoi.outbox.models import Status
from tests.channels.conftest import run_inbound_queue
from tests.dossiers.conftest import make_procedures
from tests.outbox.helpers import drain
from tests.sandbox_oa import connect_sandbox_oa

PHONE = "84912000222"


@pytest.fixture
def oa(zalo_sandbox, transactional_world, live_server, settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 0.05
    settings.OUTBOX_RETRY_MAX_SECONDS = 0.5
    channel, created = connect_sandbox_oa(
        zalo_sandbox,
        unit=transactional_world.commune_a,
        live_server_url=live_server.url,
        config={"dossier_template_id": "tpl-dossier"},
    )
    yield channel, created
    tokens.forget(channel.pk)


def walk_through_the_lifecycle(world, dossier):
    dossier = dossier_transition(actor=world.processor_a, dossier=dossier, to_state="processing")
    dossier = dossier_request_supplement(actor=world.processor_a, dossier=dossier, missing=["Bản sao CCCD"])
    dossier = dossier_supplement_received(actor=world.desk_a, dossier=dossier)
    dossier = dossier_transition(actor=world.processor_a, dossier=dossier, to_state="processing")
    dossier = dossier_result_ready(actor=world.processor_a, dossier=dossier, collection_place="Quầy 1")
    return dossier_return_result(actor=world.desk_a, dossier=dossier)


def receive(world):
    procedures = make_procedures()
    return dossier_receive(
        actor=world.desk_a,
        procedure=procedures.birth,
        receiving_agency=Agency.objects.get(code="H90.90001"),
        applicant_name="Trần Văn Nam",
        applicant_phone="+" + PHONE,
    )


def test_follow_from_the_receipt_qr_then_one_message_per_status_change(zalo_sandbox, oa, transactional_world):
    _channel, created = oa
    world = transactional_world
    dossier = receive(world)
    drain()  # the receipt notice goes by phone: the citizen does not follow yet
    person = zalo_sandbox.create_user("Trần Văn Nam", phone=PHONE)
    zalo_sandbox.follow(person["uid"], created["oa_id"], token=dossier_token(dossier))
    zalo_sandbox.wait_deliveries(created["oa_id"], "follow")
    run_inbound_queue()
    link = DossierLink.objects.get(dossier=dossier)
    assert link.method == LinkMethod.QR_FOLLOW
    walk_through_the_lifecycle(world, dossier)
    drain(until_seconds=60)
    ours = [
        m["text"]
        for m in zalo_sandbox.messages(oa_id=created["oa_id"], user=person["uid"])
        if dossier.receipt_code in (m["text"] or "") and m["endpoint"] == "cs"
    ]
    # linked, processing, supplement requested, supplemented, processing, result ready, returned: once each
    assert len(ours) == 7, ours
    assert len(set(ours)) == 6  # "in processing" twice, with the same words
    assert any("Bản sao CCCD" in text for text in ours) and any("Quầy 1" in text for text in ours)
    assert sum("Đang xử lý" in text for text in ours) == 2
    by_phone = [m for m in zalo_sandbox.messages(phone=PHONE) if m["endpoint"] in ("template", "zbs")]
    assert len(by_phone) == 1  # the receipt notice, before the follow


def test_without_a_follower_every_notice_reaches_the_phone_once(zalo_sandbox, oa, transactional_world):
    world = transactional_world
    dossier = walk_through_the_lifecycle(world, receive(world))
    drain(until_seconds=60)
    arrived = [m for m in zalo_sandbox.messages(phone=PHONE) if m["endpoint"] in ("template", "zbs")]
    assert len(arrived) == 7  # received + six status changes
    assert len({m["tracking_id"] for m in arrived}) == 7
    from ketnoi.outbox.models import OutboundMessage

    rows = OutboundMessage.objects.filter(source_id=str(dossier.uuid))
    assert set(rows.values_list("status", flat=True)) == {Status.SENT}
