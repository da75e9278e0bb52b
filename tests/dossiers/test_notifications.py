"""Citizen notices: one outbox row per accepted event per linked channel, in the same transaction; phone fallback
when nobody is linked; linking by QR token (follow / message), by code + phone digits (rate-limited), by phone."""

import datetime as dt

import pytest

from django.utils import timezone

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import EventKind, InboundEvent
from ketnoi.contacts.models import ChannelContact, Contact
from ketnoi.core.errors import ApplicationError
from ketnoi.dossiers.models import DossierLink, LinkMethod
from ketnoi.dossiers.notifications import template_render, template_validate
from ketnoi.dossiers.services import (
    dossier_link,
    dossier_link_by_code,
    dossier_request_supplement,
    dossier_result_ready,
    dossier_return_result,
    dossier_transition,
    dossiers_for_verified_phone,
    notification_template_save,
)
from ketnoi.dossiers.tokens import dossier_from_token, dossier_token, lookup_url
from ketnoi.outbox.models import OutboundMessage
from ketnoi.pipeline.inbound import handle as link_from_event
from tests.files import PDF


def rows(dossier):
    return OutboundMessage.objects.filter(source_type="dossier", source_id=str(dossier.uuid)).order_by("id")


@pytest.fixture
def channels(world):
    zalo = Channel.objects.create(
        unit=world.commune_a, type_code="zalo", name="OA Phường Đông Hòa", config={"dossier_template_id": "381234"}
    )
    webchat = Channel.objects.create(unit=world.commune_a, type_code="webchat", name="Web chat Đông Hòa")
    return zalo, webchat


def follower(channel, user_id, contact=None, language="vi"):
    contact = contact or Contact.objects.create(name="Nguyễn Thị Mai", language=language)
    return ChannelContact.objects.create(channel=channel, contact=contact, user_id=user_id, is_follower=True)


def test_one_notice_per_transition_per_person_on_the_chat_used_last(world, receive, channels):
    zalo, webchat = channels
    dossier = receive()
    contact = Contact.objects.create(name="Nguyễn Thị Mai")
    on_zalo, on_web = follower(zalo, "z-1", contact), follower(webchat, "w-1", contact)
    ChannelContact.objects.filter(pk=on_web.pk).update(last_interaction_at=timezone.now())
    other = follower(zalo, "z-2")
    dossier_link(dossier=dossier, contact=on_zalo, method=LinkMethod.QR_FOLLOW)
    dossier_link(dossier=dossier, contact=contact, method=LinkMethod.VERIFIED_PHONE)  # same person, via contact
    dossier_link(dossier=dossier, contact=other, method=LinkMethod.QR_FOLLOW)  # another person
    before = rows(dossier).count()
    dossier_transition(actor=world.processor_a, dossier=dossier, to_state="processing")
    dossier_request_supplement(actor=world.processor_a, dossier=dossier, missing=["Bản sao CCCD"])
    new = list(rows(dossier)[before:])
    assert len(new) == 4  # two events x two people: one chat each, the one the person used last
    assert {m.channel_contact_id for m in new} == {on_web.pk, other.pk}
    assert "Bản sao CCCD" in new[-1].payload["text"]
    assert all(m.idempotency_key.startswith(f"dossier:{dossier.uuid.hex}:") for m in new)


def test_not_linked_falls_back_to_a_template_by_phone(world, receive, channels):
    dossier = receive()
    assert rows(dossier).count() == 1
    message = rows(dossier).get()
    assert message.kind == "template" and message.recipient_phone == "+84912345678"
    assert message.payload["template_id"] == "381234"
    assert message.payload["template_data"]["ma_ho_so"] == dossier.receipt_code
    dossier_transition(actor=world.processor_a, dossier=dossier, to_state="processing")
    assert rows(dossier).count() == 2


def test_follow_with_the_receipt_token_links_and_greets_once(world, receive, channels):
    zalo, _ = channels
    dossier = receive()
    token = dossier_token(dossier)
    assert dossier_from_token(token) == dossier
    assert dossier_from_token(token[:-2] + "xx") is None
    assert lookup_url(dossier).endswith(f"/tra-cuu/{token}/")
    person = follower(zalo, "z-9")
    event = InboundEvent(
        kind=EventKind.FOLLOW, provider_event="follow", dedup_key="f1", occurred_at=timezone.now(), user_id="z-9",
        source=token,
    )  # fmt: skip
    link_from_event(zalo, event)
    link_from_event(zalo, event)
    link = DossierLink.objects.get(dossier=dossier)
    assert link.channel_contact == person and link.method == LinkMethod.QR_FOLLOW
    greeting = rows(dossier).filter(channel_contact=person)
    assert greeting.count() == 1 and dossier.receipt_code in greeting.get().payload["text"]


def test_a_pasted_lookup_link_in_chat_links_too(world, receive, channels):
    zalo, _ = channels
    dossier = receive()
    person = follower(zalo, "z-10")
    text = f"Tra cứu giúp tôi {lookup_url(dossier)}"
    event = InboundEvent(
        kind=EventKind.MESSAGE, provider_event="user_send_text", dedup_key="m1", occurred_at=timezone.now(),
        user_id="z-10", text=text,
    )  # fmt: skip
    link_from_event(zalo, event)
    assert DossierLink.objects.get(dossier=dossier).method == LinkMethod.QR_MESSAGE
    assert person.dossier_links.count() == 1


def test_link_by_code_needs_the_phone_digits_and_is_rate_limited(world, receive, channels):
    zalo, _ = channels
    dossier = receive()
    person = follower(zalo, "z-11")
    for _ in range(4):
        with pytest.raises(ApplicationError) as raised:
            dossier_link_by_code(contact=person, code=dossier.receipt_code, phone_last_digits="0000")
        assert raised.value.code == "no_match"
    assert dossier_link_by_code(contact=person, code=dossier.receipt_code.lower(), phone_last_digits="5678") == dossier
    stranger = follower(zalo, "z-12")
    for _ in range(5):
        with pytest.raises(ApplicationError):
            dossier_link_by_code(contact=stranger, code="H90.90001-000000-0001", phone_last_digits="5678")
    with pytest.raises(ApplicationError) as raised:
        dossier_link_by_code(contact=stranger, code=dossier.receipt_code, phone_last_digits="5678")
    assert raised.value.code == "rate_limited"


def test_dossiers_for_a_verified_phone(world, receive):
    mine = [receive(), receive()]
    receive(applicant_phone="0987000111")
    assert set(dossiers_for_verified_phone(phone="+84 912 345 678")) == set(mine)
    assert not dossiers_for_verified_phone(phone="not a phone").exists()


def test_unit_templates_override_defaults_and_are_validated(world, receive, channels):
    zalo, _ = channels
    with pytest.raises(ApplicationError) as raised:
        notification_template_save(
            actor=world.unit_admin_a, unit=world.commune_a, kind="received", language="vi", text="Mã {ma_sai}"
        )
    assert raised.value.extra["unknown"] == ["ma_sai"]
    with pytest.raises(ApplicationError):
        notification_template_save(
            actor=world.unit_admin_a, unit=world.commune_b, kind="received", language="vi", text="{receipt_code}"
        )
    notification_template_save(
        actor=world.unit_admin_a,
        unit=world.commune_a,
        kind="status_changed",
        language="vi",
        text="Đông Hòa báo: hồ sơ {receipt_code} {status}.",
    )
    dossier = receive()
    person = follower(zalo, "z-13")
    dossier_link(dossier=dossier, contact=person, method=LinkMethod.DESK)
    dossier_transition(actor=world.processor_a, dossier=dossier, to_state="processing")
    assert rows(dossier).last().payload["text"] == f"Đông Hòa báo: hồ sơ {dossier.receipt_code} Đang xử lý."
    assert template_render(text="{receipt_code} {nope}") == "H90.90001-261124-0001 {nope}"
    template_validate("{receipt_code} {due_date}")


def test_english_speakers_get_english(world, receive, channels):
    zalo, _ = channels
    dossier = receive()
    person = follower(zalo, "z-14", language="en")
    dossier_link(dossier=dossier, contact=person, method=LinkMethod.DESK)
    dossier_transition(actor=world.processor_a, dossier=dossier, to_state="processing")
    dossier_result_ready(actor=world.processor_a, dossier=dossier, collection_place="Quầy 1")
    dossier_return_result(actor=world.desk_a, dossier=dossier, at=timezone.now() + dt.timedelta(minutes=1))
    texts = [m.payload["text"] for m in rows(dossier).filter(channel_contact=person)]
    assert texts[-2].startswith("The result of dossier") and "Quầy 1" in texts[-2]
    assert "rate our service" in texts[-1]


def test_the_electronic_result_is_offered_on_the_chat(world, receive, channels, settings, tmp_path):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = str(tmp_path)
    zalo, _ = channels
    dossier = receive()
    person = follower(zalo, "z-15")
    dossier_link(dossier=dossier, contact=person, method=LinkMethod.DESK)
    dossier_transition(actor=world.processor_a, dossier=dossier, to_state="processing")
    dossier_result_ready(actor=world.processor_a, dossier=dossier, result_file=ContentFile(PDF, name="kq.pdf"))
    buttons = rows(dossier).filter(channel_contact=person).last().payload["buttons"]
    assert buttons[0]["value"] == lookup_url(dossier) + "ket-qua/"


def test_many_accounts_cannot_share_out_the_guessing_of_one_dossier(world, receive, channels):
    zalo, _ = channels
    dossier = receive()
    for n in range(10):
        with pytest.raises(ApplicationError):
            dossier_link_by_code(contact=follower(zalo, f"g-{n}"), code=dossier.receipt_code, phone_last_digits="0000")
    with pytest.raises(ApplicationError) as raised:
        dossier_link_by_code(contact=follower(zalo, "g-new"), code=dossier.receipt_code, phone_last_digits="5678")
    assert raised.value.code == "rate_limited"
