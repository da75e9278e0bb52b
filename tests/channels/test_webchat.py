"""Web chat: a signed visitor cookie, messages through the same intake and contacts path, replies polled."""

import pytest

from django.urls import reverse

from ketnoi.channels.models import ChannelEvent
from ketnoi.channels.services import webchat_channel_create
from ketnoi.channels.types import get_channel_type
from ketnoi.channels.types.base import Button, OutboundPayload, Recipient
from ketnoi.channels.types.webchat.type import COOKIE
from ketnoi.contacts.models import ChannelContact, InboundMessage
from ketnoi.pipeline.claimer import process_event

from .conftest import receive_url


@pytest.fixture
def webchat(world):
    return webchat_channel_create(actor=None, unit=world.commune_a, name="Hỏi đáp trực tuyến")


def visitor_of(client):
    return client.cookies[COOKIE].value


def test_portal_home_links_the_chat(client, webchat):
    assert reverse("portal:webchat") in client.get(reverse("portal:home")).content.decode()


def test_chat_page_gives_a_signed_visitor_cookie(client, webchat):
    response = client.get(reverse("portal:webchat"))
    assert response.status_code == 200
    assert receive_url(webchat) in response.content.decode()
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_a_visitor_message_takes_the_inbound_path_once(client, webchat):
    client.get(reverse("portal:webchat"))
    for _ in range(2):  # a resubmitted form
        response = client.post(receive_url(webchat), {"text": "Làm lại CCCD cần gì?", "client_id": "abc-1"})
        assert response.status_code == 200
    event = ChannelEvent.objects.get(channel=webchat)
    assert process_event(event.pk) == "handled"
    message = InboundMessage.objects.get()
    assert message.text == "Làm lại CCCD cần gì?"
    person = ChannelContact.objects.get(channel=webchat)
    assert person.user_id == event.user_id
    assert person.last_interaction_at is not None


@pytest.mark.parametrize("cookie", [None, "forged-visitor", "v123:forgedsignature"])
def test_without_a_signed_session_nothing_is_stored(client, webchat, cookie):
    if cookie:
        client.cookies[COOKIE] = cookie
    response = client.post(receive_url(webchat), {"text": "hello", "client_id": "x"})
    assert response.status_code == 403
    assert not ChannelEvent.objects.exists()


def test_replies_are_shown_to_their_visitor_only(client, webchat):
    from django.test import Client

    client.get(reverse("portal:webchat"))
    client.post(receive_url(webchat), {"text": "Xin chào", "client_id": "m1"})
    visitor = ChannelEvent.objects.get().user_id
    webchat_type = get_channel_type("webchat")
    payload = OutboundPayload(
        kind="buttons", text="Chào bạn, bạn cần gì?", buttons=(Button("Tra cứu", "query_hide", "#TRACUU"),)
    )
    first = webchat_type.send(webchat, Recipient(user_id=visitor), payload, idempotency_key="reply-1")
    again = webchat_type.send(webchat, Recipient(user_id=visitor), payload, idempotency_key="reply-1")
    assert first.provider_message_id == again.provider_message_id
    assert (
        webchat_type.find_sent(webchat, Recipient(user_id=visitor), payload, idempotency_key="reply-1", since=None)
        == first.provider_message_id
    )
    log = client.get(reverse("portal:webchat_messages") + f"?c={webchat.uuid}").content.decode()
    assert log.count("Chào bạn, bạn cần gì?") == 1
    assert "Xin chào" in log and 'data-webchat-say="#TRACUU"' in log
    stranger = Client()
    stranger.get(reverse("portal:webchat"))
    assert "Chào bạn" not in stranger.get(reverse("portal:webchat_messages")).content.decode()


def test_embedded_page_may_be_framed_by_the_same_site_only(client, webchat):
    response = client.get(reverse("portal:webchat") + "?embed=1")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "topbar" not in response.content.decode()


def test_no_webchat_channel_says_so(client, world):
    assert client.get(reverse("portal:webchat")).status_code == 200


def test_tags_on_a_web_chat_visitor_are_kept_in_ketnoi(world):
    from ketnoi.channels.services import webchat_channel_create
    from ketnoi.contacts.models import ChannelContact, Contact
    from ketnoi.contacts.services import channel_contact_tag

    channel = webchat_channel_create(actor=None, unit=world.commune_a, name="Hỏi đáp phường")
    visitor = ChannelContact.objects.create(channel=channel, contact=Contact.objects.create(), user_id="visitor-1")
    channel_contact_tag(actor=world.unit_admin_a, channel_contact=visitor, tag="doanh nghiệp")
    assert ChannelContact.objects.get(pk=visitor.pk).tags == ["doanh nghiệp"]


FORM = "application/x-www-form-urlencoded"


def test_a_5_mb_message_is_kept_whole_and_answered_in_words(client, webchat):
    from urllib.parse import urlencode

    from ketnoi.outbox.models import OutboundMessage

    client.get(reverse("portal:webchat"))
    text = "Kiến nghị: " + "x" * (5 * 1024 * 1024)
    response = client.post(
        receive_url(webchat), urlencode({"text": text, "client_id": "big-1"}), content_type=FORM, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 204
    assert process_event(ChannelEvent.objects.get(channel=webchat).pk) == "handled"
    assert len(InboundMessage.objects.get().text) == len(text)  # nothing cut
    [answer] = OutboundMessage.objects.filter(channel=webchat)
    assert "5.242.891 ký tự" in answer.payload["text"]


def test_past_the_limit_the_chat_says_so_and_nothing_is_stored(client, webchat, settings):
    from urllib.parse import urlencode

    settings.CHANNEL_WEBHOOK_MAX_BYTES = 3 * 1024 * 1024
    client.get(reverse("portal:webchat"))
    body = urlencode({"text": "x" * (4 * 1024 * 1024), "client_id": "huge"})
    response = client.post(receive_url(webchat), body, content_type=FORM, HTTP_HX_REQUEST="true")
    assert response.status_code == 413 and response["Content-Type"].startswith("text/plain")
    assert "quá lớn" in response.content.decode() and "tối đa 3 MB" in response.content.decode()
    machine = client.post(receive_url(webchat), body, content_type=FORM)
    assert machine.status_code == 413 and machine.json()["error"] == "too_large"
    assert machine.json()["max_bytes"] == 3145728 and machine.json()["ok"] is False
    assert not ChannelEvent.objects.exists()


def test_a_file_over_10_mb_is_refused_in_words(client, webchat):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ketnoi.outbox.models import OutboundMessage

    client.get(reverse("portal:webchat"))
    scan = SimpleUploadedFile("ho-so.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1), "application/pdf")
    assert client.post(receive_url(webchat), {"file": scan, "client_id": "pdf-1"}).status_code == 200
    assert process_event(ChannelEvent.objects.get(channel=webchat).pk) == "handled"
    [answer] = OutboundMessage.objects.filter(channel=webchat)
    assert "ho-so.pdf lớn hơn 10 MB" in answer.payload["text"]
