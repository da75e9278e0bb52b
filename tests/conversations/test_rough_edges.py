"""Chat rough edges that lost citizens (issue 15.7), over the sandbox: a button tapped while officials have the
conversation still works and the officials see what it meant; switching language inside a flow keeps the flow and
asks its question again, so the next answer means what is on screen; a 5 MB message is answered in words and kept
whole."""

from urllib.parse import urlencode

from django.test import Client
from django.urls import reverse

from ketnoi.contacts.models import InboundMessage
from ketnoi.conversations.models import ConversationSession
from ketnoi.dossiers.models import DossierAttachment
from ketnoi.inbox.models import EntryKind, Handoff
from ketnoi.sandbox.phone import SESSION_KEY

from .conftest import buttons, texts

FIVE_MB = 5 * 1024 * 1024


def test_a_button_tapped_while_officials_have_the_chat_still_works(oa, dossiers, new_phone, client):
    dossier = dossiers.waiting
    phone = new_phone()
    phone.follow()
    phone.say(dossier.receipt_code)
    phone.say("5678")  # linked
    phone.say("gap can bo")
    phone.say("Toi can hoi ve giay chung sinh ban chinh")
    handoff = Handoff.objects.get(channel_contact__user_id=phone.user_id)
    assert phone.say("Can bo oi?") == []  # text is for the officials

    # the notice's "send the documents" button: the assistant answers it, and its flow runs to the end
    shown = texts(phone.tap(f"#dossier.supplement:{dossier.uuid.hex}"))
    assert "Giấy chứng sinh (bản chính)" in shown
    assert "Đã nhận 1 tệp" in texts(phone.send_image())
    shown = texts(phone.say("xong"))
    assert "1 tệp" in shown and "cán bộ" in shown  # told they are still with the officials
    assert DossierAttachment.objects.filter(dossier=dossier).count() == 1
    assert phone.say("Cam on, toi da gui giay to") == []  # back to the officials
    handoff.refresh_from_db()
    assert handoff.is_active

    # the officials' thread: what the button meant and what the assistant said, never the raw payload
    meanings = [e.data.get("input") for e in handoff.entries.filter(kind=EntryKind.REPLY)]
    assert f"Gửi giấy tờ bổ sung · {dossier.receipt_code}" in meanings
    client.force_login(oa.world.desk_a)
    page = client.get(reverse("console:inbox_detail", kwargs={"uuid": handoff.uuid})).content.decode()
    assert f"Gửi giấy tờ bổ sung · {dossier.receipt_code}" in page
    assert "#dossier.supplement" not in page and "Giấy chứng sinh (bản chính)" in page
    assert "Cam on, toi da gui giay to" in page


def test_inside_a_flow_an_escape_word_ends_the_flow_and_stays_with_the_officials(oa, dossiers, new_phone):
    dossier = dossiers.returned
    phone = new_phone()
    phone.follow()
    phone.say(dossier.receipt_code)
    phone.say("5678")
    phone.say("gap can bo")
    phone.say("Cho toi hoi them")
    assert "★★★★★" in buttons(phone.tap(f"#dossier.rate:{dossier.uuid.hex}"))
    assert "cán bộ" in texts(phone.say("0"))
    assert Handoff.objects.get(channel_contact__user_id=phone.user_id).is_active
    assert phone.say("Toi van o day") == []


def test_english_inside_a_flow_asks_the_same_question_in_english(oa, dossiers, new_phone):
    dossier = dossiers.returned
    phone = new_phone()
    phone.follow()
    phone.say(dossier.receipt_code)
    phone.say("5678")
    phone.tap(f"#dossier.rate:{dossier.uuid.hex}")
    shown = phone.say("English")
    assert "From now on I will write in English" in texts(shown)
    assert "How satisfied are you" in texts(shown) and "★" in "".join(buttons(shown))
    assert "Main menu: reply with a number" not in texts(shown)  # no menu: "1" answers the question on screen
    assert "Anything to add" in texts(phone.say("1"))
    assert "Thank you for your rating" in texts(phone.say("no"))

    # at the menu the switch shows the menu, and a number picks from it
    assert "Danh mục chính" in texts(phone.say("tieng viet"))
    assert "Main menu" in texts(phone.say("English"))
    assert "Type the dossier code" in texts(phone.say("1"))


def test_the_vietnamese_switch_inside_the_lookup_keeps_the_dossier(oa, dossiers, new_phone):
    phone = new_phone()
    phone.follow()
    phone.say("English")
    phone.say(dossiers.ready.receipt_code)
    shown = texts(phone.say("tieng viet"))
    assert dossiers.ready.receipt_code in shown and "4 số cuối" in shown
    assert "Đã xong" in texts(phone.say("5678"))


def test_a_5_mb_message_is_answered_in_words_and_kept_whole(oa, new_phone):
    phone = new_phone()
    phone.follow()
    phone.say("tra cuu")  # waiting for a code
    text = "Đơn đề nghị " + "x" * FIVE_MB
    shown = texts(phone.say(text))
    assert "5.242.892 ký tự" in shown and "5.000" in shown
    assert len(
        InboundMessage.objects.get(channel_contact__user_id=phone.user_id, kind="text", text__startswith="Đơn").text
    ) == len(text)
    session = ConversationSession.objects.get(channel_contact__user_id=phone.user_id)
    assert session.state == "lookup.code"  # the question still waits


def test_the_sandbox_phone_sends_a_5_mb_message_instead_of_a_bare_400(oa, new_phone):
    phone = new_phone()
    phone.follow()
    browser = Client(enforce_csrf_checks=True)
    session = browser.session
    session[SESSION_KEY] = phone.uid
    session.save()
    browser.get(reverse("sandbox:chat", kwargs={"oa_id": oa.oa_id}))
    token = browser.cookies["csrftoken"].value
    url = reverse("sandbox:chat_act", kwargs={"oa_id": oa.oa_id})
    form = "application/x-www-form-urlencoded"  # as the phone page's text form posts
    body = urlencode({"action": "text", "text": "a" * FIVE_MB, "csrfmiddlewaretoken": token})
    assert browser.post(url, body, content_type=form).status_code == 302
    forged = urlencode({"action": "text", "text": "a" * FIVE_MB, "csrfmiddlewaretoken": "x" * 64})
    assert browser.post(url, forged, content_type=form).status_code == 403  # CSRF is still checked
    oa.sandbox.wait_deliveries(oa.oa_id, "user_send_text")
    from ketnoi.outbox.dispatcher import dispatch_once
    from tests.channels.conftest import run_inbound_queue

    run_inbound_queue()
    dispatch_once(rounds=3)
    assert "5.242.880 ký tự" in texts(phone.new_messages())


def test_in_english_the_assistant_asks_for_english_words_and_they_work(oa, dossiers, new_phone):
    """After "English" the prompts name the word to type in English ("done"), never the Vietnamese "xong"."""
    dossier = dossiers.waiting
    phone = new_phone()
    phone.follow()
    phone.say("English")
    phone.say(dossier.receipt_code)
    phone.say("5678")  # linked
    shown = texts(phone.tap(f"#dossier.supplement:{dossier.uuid.hex}"))
    assert "“done”" in shown and "xong" not in shown
    shown = texts(phone.send_image())
    assert "Received 1 file(s)" in shown and "“done”" in shown and "xong" not in shown
    shown = texts(phone.say("done"))
    assert "1 file" in shown and DossierAttachment.objects.filter(dossier=dossier).count() == 1
