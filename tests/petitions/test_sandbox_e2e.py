"""End to end through the Zalo sandbox: a citizen sends a petition from the phone (the chat flow: category, text,
photo, location, shared phone, confirmation), receives the tracking code; an officer answers, a leader approves,
the real dispatcher delivers the answer to the phone, the citizen rates it with a button. Outside the free window
the answer reaches the same phone as a template message."""

from types import SimpleNamespace

import pytest

from ketnoi.channels.types.zalo import tokens
from ketnoi.outbox.dispatcher import dispatch_once
from ketnoi.petitions.models import Petition
from ketnoi.petitions.services import answer_approve, answer_submit, petition_accept
from tests.conversations.conftest import Phone, buttons, texts
from tests.sandbox_oa import connect_sandbox_oa

from .conftest import build_petition_world

PHONE = "84912000333"
ANSWER = "Ủy ban phường đã thay bóng đèn đường trước nhà văn hóa Tổ dân phố 2 ngày 24/11."


@pytest.fixture
def oa(zalo_sandbox, transactional_db, live_server, settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 0.05
    settings.OUTBOX_RETRY_MAX_SECONDS = 0.5
    world = build_petition_world()
    channel, created = connect_sandbox_oa(
        zalo_sandbox,
        unit=world.commune_a,
        live_server_url=live_server.url,
        name="Phường Đông Hòa",
        config={"petition_template_id": "tpl-petition"},
    )
    yield SimpleNamespace(channel=channel, oa_id=created["oa_id"], world=world, sandbox=zalo_sandbox)
    tokens.forget(channel.pk)


def send_petition_from_the_phone(oa) -> tuple[Phone, Petition]:
    phone = Phone(oa.sandbox, oa.oa_id, "Trần Văn Nam", PHONE)
    phone.follow()
    shown = texts(phone.tap("#petition"))
    assert "Hạ tầng, giao thông, chiếu sáng" in shown
    describe = texts(phone.tap("#petition.category:1"))
    assert "Describe" in describe or "Mô tả" in describe
    phone.say("Đèn đường trước nhà văn hóa Tổ dân phố 2 bị hỏng hơn một tuần, buổi tối rất tối.")
    phone.send_image(url="https://photos.example.vn/den-duong.jpg")
    phone.tap("#petition.skip:photos")
    phone.send_location(10.7769, 106.7009)
    confirm = phone.submit_info("Trần Văn Nam", "0912000333")
    assert "#petition.send" in buttons(confirm).values()
    acknowledgement = texts(phone.tap("#petition.send"))
    petition = Petition.objects.get()
    assert petition.tracking_code in acknowledgement
    return phone, petition


def answer_and_approve(world, petition: Petition) -> None:
    petition_accept(actor=world.processor_a, petition=petition)
    answer_submit(actor=world.processor_a, petition=petition, text=ANSWER)
    answer_approve(actor=world.leader_a, petition=petition)


def test_petition_from_the_phone_answered_approved_received_and_rated(oa):
    phone, petition = send_petition_from_the_phone(oa)
    assert petition.source == "chat" and petition.channel_contact.user_id == phone.user_id
    assert petition.petitioner_phone == "+" + PHONE and petition.area == oa.world.commune_a
    assert (petition.latitude, petition.longitude) == (10.7769, 106.7009)
    assert petition.attachments.get().url == "https://photos.example.vn/den-duong.jpg"

    answer_and_approve(oa.world, petition)
    dispatch_once(rounds=4)
    arrived = phone.new_messages()
    assert any(ANSWER in (m["text"] or "") and m["endpoint"] == "cs" for m in arrived)
    rate_buttons = buttons(arrived)
    assert f"#petition.rate:{petition.tracking_code}:5" in rate_buttons.values()

    thanks = texts(phone.tap(f"#petition.rate:{petition.tracking_code}:5"))
    assert petition.tracking_code in thanks
    petition.refresh_from_db()
    assert petition.rating == 5 and petition.rated_at


def test_outside_the_window_the_answer_reaches_the_phone_as_a_template(oa):
    phone, petition = send_petition_from_the_phone(oa)
    oa.sandbox.set_last_interaction(phone.uid, oa.oa_id, hours_ago=24 * 10)
    answer_and_approve(oa.world, petition)
    for _ in range(5):
        dispatch_once(rounds=4)
    by_phone = [m for m in oa.sandbox.messages(phone=PHONE) if m["endpoint"] in ("template", "zbs")]
    # the acceptance and the answer, each once, by phone: the chat window had closed
    assert len(by_phone) == 2 and len({m["tracking_id"] for m in by_phone}) == 2
    assert all(petition.tracking_code in str(m["payload"]) for m in by_phone)
    assert any("answered" in str(m["payload"]) for m in by_phone)
    assert not [m for m in phone.new_messages() if ANSWER in (m["text"] or "")]


def test_business_menu_on_the_phone_has_a_hotline_button(oa):
    from ketnoi.contacts.models import ChannelContact

    phone = Phone(oa.sandbox, oa.oa_id, "Công ty Cơ khí", "84912000444")
    phone.follow()
    ChannelContact.objects.filter(user_id=phone.user_id).update(tags=["business"])
    shown = phone.tap("#business")
    [menu] = [m for m in shown if (m.get("payload") or {}).get("buttons")]
    kinds = {b["title"]: (b["type"], b["payload"]) for b in menu["payload"]["buttons"]}
    assert kinds["Gọi đường dây nóng"] == ("oa.open.phone", {"phone_code": "02991234567"})
    assert kinds["Gửi phản ánh, kiến nghị"] == ("oa.query.hide", "#petition:business")


def test_a_stranger_who_types_the_petitioners_phone_learns_nothing_of_the_petition(oa):
    """Issue 15.1, petitions path: a petition filed on the portal with a phone is told to that phone (template),
    never to a chat whose user typed the same number in Zalo's form; that chat cannot look it up by phone either."""
    from ketnoi.petitions.services import Petitioner
    from tests.outbox.helpers import drain

    from .conftest import file_petition

    petition = file_petition(oa.world, petitioner=Petitioner(name="Trần Văn Nam", phone="0912 000 333"))
    stranger = Phone(oa.sandbox, oa.oa_id, "Người lạ", "84987000111")
    stranger.follow()
    stranger.submit_info("Trần Văn Nam", "0912000333")
    stranger.say("phan anh cua toi")
    stranger.tap("#petition")
    answer_and_approve(oa.world, petition)
    drain(until_seconds=60)
    shown = str(oa.sandbox.messages(oa_id=oa.oa_id, user=stranger.uid))
    for secret in (petition.tracking_code, ANSWER, petition.subject, "Trần Văn Nam", "/phan-anh/"):
        assert secret not in shown, secret
    by_phone = [m for m in oa.sandbox.messages(phone=PHONE) if m["endpoint"] in ("template", "zbs")]
    assert by_phone and all(petition.tracking_code in str(m["payload"]) for m in by_phone)
