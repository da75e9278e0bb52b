"""The whole citizen chat over Facebook Messenger, unchanged, through the sandbox's Messenger stand-in over real
HTTP: the page's webhook subscribed through Facebook's handshake, forged webhooks refused, then lookup by dossier
code, a petition filed, a hand-off to an official and the official's reply reaching the person on Messenger
(inside the 24-hour window, and after it with the HUMAN_AGENT tag)."""

import datetime as dt
import json
import time
from types import SimpleNamespace

import pytest

from django.db.models import F

from ketnoi.channels.models import ChannelEvent
from ketnoi.channels.services import messenger_channel_create, webhook_test, webhook_url
from ketnoi.channels.types.messenger.type import signature
from ketnoi.contacts.models import ChannelContact
from ketnoi.dossiers.models import DossierLink
from ketnoi.inbox.models import Handoff
from ketnoi.inbox.services import handoff_reply
from ketnoi.outbox.dispatcher import dispatch_once
from ketnoi.outbox.models import OutboundMessage
from ketnoi.petitions.demo_config import seed_config, seed_officials
from ketnoi.petitions.models import Petition
from tests.messenger_standin import MessengerPhone, MessengerStandIn, choices, connect_sandbox_page, post_webhook, texts
from tests.sandbox_client import SandboxError


@pytest.fixture
def page(oa):
    standin = MessengerStandIn(oa.sandbox)
    channel, created = connect_sandbox_page(standin, unit=oa.world.commune_a)
    return SimpleNamespace(channel=channel, page_id=created["page_id"], standin=standin, created=created, oa=oa)


@pytest.fixture
def messenger_phone(page):
    def make(name: str = "Lê Thị Lan", phone: str | None = None) -> MessengerPhone:
        person = page.oa.sandbox.create_user(name, phone=phone)
        return MessengerPhone(page.standin, page.page_id, person["uid"])

    return make


def test_the_webhook_is_subscribed_through_the_handshake_and_forged_events_are_refused(page, oa):
    # connect_sandbox_page subscribed the URL: the stand-in's GET handshake got the challenge back.
    assert page.standin.sandbox.http.get("messenger/deliveries", params={"page_id": page.page_id}).status_code == 200
    other = page.standin.create_page("Trang khác")
    channel = messenger_channel_create(
        actor=None,
        unit=oa.world.commune_a,
        name="Trang khác",
        page_id=other["page_id"],
        page_access_token=other["access_token"],
        app_secret=other["app_secret"],
        verify_token="not-what-facebook-was-told",
    )
    with pytest.raises(SandboxError, match="Callback verification failed"):
        page.standin.subscribe(other["page_id"], webhook_url(channel))

    now = int(time.time() * 1000)
    event = {
        "sender": {"id": "1"},
        "recipient": {"id": page.page_id},
        "timestamp": now,
        "message": {"mid": "m_x", "text": "hi"},
    }
    body = json.dumps({"object": "page", "entry": [{"id": page.page_id, "time": now, "messaging": [event]}]}).encode()
    url = webhook_url(page.channel)
    assert post_webhook(url, body, signature(app_secret="not-the-app-secret", body=body)).status_code == 403
    assert post_webhook(url, body, "").status_code == 403
    assert not ChannelEvent.objects.filter(channel=page.channel).exists()
    assert post_webhook(url, body, signature(app_secret=page.created["app_secret"], body=body)).status_code == 200

    # The console's "send a test event": signed with the stored app secret, posted to the public URL, stored.
    result = webhook_test(actor=None, channel=page.channel)
    assert (result["status"], result["stored"]) == (200, True)


def test_lookup_by_dossier_code_over_messenger(page, dossiers, messenger_phone):
    dossier = dossiers.waiting
    phone = messenger_phone()
    welcome = phone.get_started()
    assert "Phường Đông Hòa" in texts(welcome)
    menu = choices(welcome)
    assert any(payload.startswith("#") for payload in menu.values()), menu

    shown = texts(phone.say(f"cho hoi ho so {dossier.receipt_code}"))
    assert dossier.receipt_code in shown and "4 số cuối" in shown
    assert "Nguyễn Thị Mai" not in shown
    assert "không khớp" in texts(phone.say("5679"))
    shown = phone.say("5678")
    assert "Đã xong" in texts(shown)
    assert choices(shown)["Gửi giấy tờ bổ sung"] == f"#dossier.supplement:{dossier.uuid.hex}"
    assert DossierLink.objects.filter(dossier=dossier, channel_contact__user_id=phone.psid).exists()
    assert "Giấy chứng sinh (bản chính)" in texts(phone.tap(f"#dossier.supplement:{dossier.uuid.hex}"))


def test_a_petition_filed_over_messenger(page, messenger_phone):
    seed_config()
    seed_officials()
    phone = messenger_phone("Trần Văn Nam")
    phone.get_started()
    assert "Hạ tầng" in texts(phone.tap("#petition", title="Phản ánh"))
    assert "Mô tả" in texts(phone.tap("#petition.category:1"))
    phone.say("Đèn đường trước nhà văn hóa Tổ dân phố 2 bị hỏng hơn một tuần, buổi tối rất tối.")
    phone.tap("#petition.skip:photos")
    asked = texts(phone.say("Trước nhà văn hóa Tổ dân phố 2"))
    assert "số điện thoại" in asked.lower()
    confirm = phone.say("0912 000 333")
    assert "#petition.send" in choices(confirm).values()
    acknowledgement = texts(phone.tap("#petition.send"))
    petition = Petition.objects.get()
    assert petition.tracking_code in acknowledgement
    assert petition.source == "chat" and petition.channel_contact.channel == page.channel
    assert petition.petitioner_phone == "+84912000333" and petition.location_text.startswith("Trước nhà văn hóa")


def test_hand_off_and_the_officials_reply_reach_messenger(page, messenger_phone, oa):
    phone = messenger_phone()
    phone.get_started()
    assert "Hãy viết câu hỏi" in texts(phone.say("cho toi gap can bo"))
    shown = texts(phone.say("Toi muon hoi ve thu tuc tach thua dat"))
    assert "Phường Đông Hòa" in shown
    handoff = Handoff.objects.get(channel_contact__user_id=phone.psid)
    assert handoff.channel == page.channel and "tach thua" in handoff.reason
    assert phone.say("Khi nao co tra loi a?") == []  # the bot is silent while the officials have it

    handoff_reply(actor=oa.world.desk_a, handoff=handoff, text="Chào chị, hồ sơ tách thửa cần 3 giấy tờ.", token="r1")
    dispatch_once(rounds=2)
    [reply] = phone.new_messages()
    assert reply["text"] == "Chào chị, hồ sơ tách thửa cần 3 giấy tờ." and reply["messaging_type"] == "UPDATE"

    # Two days later the 24-hour window has closed: the official's answer goes with the HUMAN_AGENT tag.
    page.standin.age(phone.uid, page.page_id, hours=48)
    ChannelContact.objects.filter(pk=handoff.channel_contact_id).update(
        last_interaction_at=F("last_interaction_at") - dt.timedelta(hours=48)
    )
    handoff.refresh_from_db()
    handoff_reply(actor=oa.world.desk_a, handoff=handoff, text="Chị mang thêm sổ đỏ bản gốc nhé.", token="r2")
    dispatch_once(rounds=2)
    [late] = phone.new_messages()
    assert (late["text"], late["messaging_type"], late["tag"]) == (
        "Chị mang thêm sổ đỏ bản gốc nhé.",
        "MESSAGE_TAG",
        "HUMAN_AGENT",
    )
    assert OutboundMessage.objects.filter(channel=page.channel, status__in=["sent", "delivered"]).count() >= 2


def test_outside_the_window_only_tagged_messages_leave_the_rest_fall_back(page, messenger_phone):
    """Two days after the person's last message: a notice (purpose "update") still reaches Messenger with its tag;
    a message with no purpose is not sent (no HTTP call Facebook would refuse): unreachable, and the outbox's
    fallback chain takes over."""
    from django.db import transaction

    from ketnoi.channels.types.base import OutboundPayload
    from ketnoi.outbox.services import outbox_enqueue

    phone = messenger_phone()
    phone.get_started()
    page.standin.age(phone.uid, page.page_id, hours=48)
    contact = ChannelContact.objects.get(channel=page.channel, user_id=phone.psid)
    ChannelContact.objects.filter(pk=contact.pk).update(
        last_interaction_at=F("last_interaction_at") - dt.timedelta(hours=48)
    )
    phone.new_messages()
    with transaction.atomic():
        for key, purpose in (("notice", "update"), ("plain", "")):
            outbox_enqueue(
                channel=page.channel,
                channel_contact=contact,
                recipient_user_id=phone.psid,
                payload=OutboundPayload(kind="text", text=f"Tin {key}", purpose=purpose),
                idempotency_key=f"window-test:{key}",
            )
    dispatch_once(rounds=2)
    statuses = dict(
        OutboundMessage.objects.filter(idempotency_key__startswith="window-test:").values_list(
            "idempotency_key", "status"
        )
    )
    assert statuses["window-test:plain"] == "unreachable"
    assert statuses["window-test:notice"] in ("sent", "delivered")
    [arrived] = phone.new_messages()
    assert (arrived["text"], arrived["messaging_type"], arrived["tag"]) == (
        "Tin notice",
        "MESSAGE_TAG",
        "ACCOUNT_UPDATE",
    )


def test_the_sandbox_phones_messenger_page(page, oa, live_server):
    """What `make run` offers a newcomer: choose a person on /sandbox/, open the page in Messenger, Get started, read
    the welcome, tap a quick reply — through the phone page's own forms."""
    import re

    import httpx

    from tests.channels.conftest import run_inbound_queue

    def csrf(response: httpx.Response) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text).group(1)

    browser = httpx.Client(base_url=live_server.url, follow_redirects=True, timeout=30)
    home = browser.get("/sandbox/")
    home = browser.post("/sandbox/", data={"csrfmiddlewaretoken": csrf(home), "form": "user", "name": "Hà Văn Tú"})
    chat_url = f"/sandbox/messenger/{page.page_id}"
    assert chat_url in home.text and "Mở trong Messenger" in home.text
    chat = browser.get(chat_url)
    chat = browser.post(chat_url, data={"csrfmiddlewaretoken": csrf(chat), "action": "start"})
    page.standin.wait_deliveries(page.page_id, "postback", count=1)
    run_inbound_queue()
    dispatch_once(rounds=2)
    chat = browser.get(chat_url)
    assert "Phường Đông Hòa" in chat.text
    payloads = re.findall(
        r'name="action" value="quick_reply"><input type="hidden" name="payload" value="([^"]+)"', chat.text
    )
    assert payloads and all(p.startswith("#") for p in payloads)
    chat = browser.post(
        chat_url,
        data={"csrfmiddlewaretoken": csrf(chat), "action": "quick_reply", "payload": payloads[0], "title": "x"},
    )
    page.standin.wait_deliveries(page.page_id, "message", count=1)
    run_inbound_queue()
    dispatch_once(rounds=2)
    assert browser.get(chat_url).text.count('class="sb-msg"') >= 2
