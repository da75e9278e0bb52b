"""The webhook endpoint: signatures, replays, de-duplication, unknown and malformed events, processing."""

import uuid

import pytest
from django_tasks_db.models import DBTaskResult

from ketnoi.channels.models import ChannelEvent
from ketnoi.channels.tasks import retry_failed_events
from ketnoi.channels.types.zalo import assumptions
from ketnoi.contacts.models import ChannelContact, InboundMessage
from ketnoi.pipeline import claimer as inbound_queue

from . import samples
from .conftest import post_signed, receive_url, sign


def process_all():
    return inbound_queue.drain()


def test_signed_event_is_stored_and_acknowledged(client, zalo_channel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_signed(client, zalo_channel, samples.text())
    assert response.status_code == 200
    event = ChannelEvent.objects.get()
    assert (event.provider_event, event.user_id, event.status) == ("user_send_text", samples.USER_ID, "pending")
    assert event.body == samples.compact(samples.text(ts=event.body.decode().split('"timestamp":"')[1][:13]))
    assert not DBTaskResult.objects.exists(), "the pending event is the queue entry: no task row"


def test_signature_without_mac_prefix_is_accepted(client, zalo_channel):
    assert post_signed(client, zalo_channel, samples.text(), prefix="").status_code == 200


@pytest.mark.parametrize(
    "tamper",
    [
        lambda headers, body: headers.pop("X-ZEvent-Signature"),
        lambda headers, body: headers.update({"X-ZEvent-Signature": "mac=" + "0" * 64}),
        lambda headers, body: headers.update(
            {"X-ZEvent-Signature": "mac=" + sign(body, "1", app_id=samples.APP_ID)}  # wrong timestamp
        ),
        lambda headers, body: headers.update(
            {"X-ZEvent-Signature": "mac=" + sign(body, samples.now_ms(), key="app-secret-for-tests")}  # app secret
        ),
    ],
    ids=["missing", "garbage", "other-timestamp", "signed-with-app-secret"],
)
def test_forged_events_get_403_and_store_nothing(client, zalo_channel, tamper):
    event = samples.text()
    body = samples.compact(event)
    headers = {"X-ZEvent-Signature": "mac=" + sign(body, event["timestamp"])}
    tamper(headers, body)
    response = client.post(receive_url(zalo_channel), data=body, content_type="application/json", headers=headers)
    assert response.status_code == 403
    assert not ChannelEvent.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_reserialised_body_fails_verification(client, zalo_channel):
    """The signature covers the raw bytes: the same JSON with spaces is not the signed body."""
    event = samples.text()
    headers = {"X-ZEvent-Signature": "mac=" + sign(samples.compact(event), event["timestamp"])}
    spaced = samples.compact(event).replace(b",", b", ")
    response = client.post(receive_url(zalo_channel), data=spaced, content_type="application/json", headers=headers)
    assert response.status_code == 403
    assert not ChannelEvent.objects.exists()


def test_body_tampered_after_signing_is_refused(client, zalo_channel):
    event = samples.text(body="Xin chào")
    headers = {"X-ZEvent-Signature": "mac=" + sign(samples.compact(event), event["timestamp"])}
    forged = samples.compact({**event, "message": {"msg_id": "mid-text-1", "text": "Chuyển tiền"}})
    response = client.post(receive_url(zalo_channel), data=forged, content_type="application/json", headers=headers)
    assert response.status_code == 403
    assert not ChannelEvent.objects.exists()


def test_replayed_stale_event_gets_403_and_stores_nothing(client, zalo_channel, settings):
    """assumptions.webhook_max_age: events older than ZALO_WEBHOOK_MAX_AGE_SECONDS are refused."""
    settings.ZALO_WEBHOOK_MAX_AGE_SECONDS = 600
    assert assumptions.webhook_max_age().total_seconds() == 600
    stale = samples.text(ts=samples.now_ms(-601))
    assert post_signed(client, zalo_channel, stale).status_code == 403
    fresh_enough = samples.text(msg_id="mid-2", ts=samples.now_ms(-590))
    assert post_signed(client, zalo_channel, fresh_enough).status_code == 200
    assert list(ChannelEvent.objects.values_list("dedup_key", flat=True)) == ["user_send_text:msg:mid-2"]


def test_event_from_the_future_gets_403(client, zalo_channel):
    """assumptions.webhook_max_future."""
    assert post_signed(client, zalo_channel, samples.text(ts=samples.now_ms(3600))).status_code == 403
    assert not ChannelEvent.objects.exists()


def test_unknown_channel_is_404(client, zalo_channel):
    url = receive_url(zalo_channel).replace(str(zalo_channel.uuid), str(uuid.uuid4()))
    assert client.post(url, data=b"{}", content_type="application/json").status_code == 404
    url = receive_url(zalo_channel).replace("/zalo/", "/telegram/")
    assert client.post(url, data=b"{}", content_type="application/json").status_code == 404
    assert client.get(receive_url(zalo_channel)).status_code == 405


def test_duplicate_event_is_stored_and_processed_once(client, zalo_channel, django_capture_on_commit_callbacks):
    event = samples.text()
    with django_capture_on_commit_callbacks(execute=True):
        first = post_signed(client, zalo_channel, event)
        retry = post_signed(client, zalo_channel, event, headers={"num_retry": "1"})
    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json()["duplicate"] is True
    stored = ChannelEvent.objects.get()
    assert process_all() == 1
    assert process_all() == 0
    assert inbound_queue.process_event(stored.pk) == "skipped"
    stored.refresh_from_db()
    assert (stored.status, stored.attempts) == ("handled", 1)
    assert InboundMessage.objects.count() == 1


def test_a_retry_whose_first_delivery_was_lost_keeps_num_retry(client, zalo_channel):
    post_signed(client, zalo_channel, samples.text(), headers={"num_retry": "2"})
    assert ChannelEvent.objects.get().headers == {"num_retry": "2"}


def test_same_message_in_two_deliveries_with_other_timestamps_is_one_event(client, zalo_channel):
    """Zalo de-duplication is on msg_id (reference §8), not on the whole body."""
    post_signed(client, zalo_channel, samples.text(ts=samples.now_ms(-5)))
    post_signed(client, zalo_channel, samples.text(ts=samples.now_ms()))
    assert ChannelEvent.objects.count() == 1


def test_unknown_event_is_stored_and_ignored(client, zalo_channel):
    response = post_signed(client, zalo_channel, samples.unknown())
    assert response.status_code == 200
    event = ChannelEvent.objects.get()
    assert (event.provider_event, event.status) == ("shop_has_order", "ignored")
    assert event.handled_at is not None
    assert not DBTaskResult.objects.exists()


def test_signed_malformed_body_is_acknowledged_and_kept_as_unparseable(client, zalo_channel):
    """assumptions.TIMESTAMP_HEADER: without a body timestamp, the header's is signed."""
    timestamp = samples.now_ms()
    response = post_signed(client, zalo_channel, b"{not json", headers={"X-ZEvent-Timestamp": timestamp})
    assert response.status_code == 200
    event = ChannelEvent.objects.get()
    assert event.status == "unparseable"
    assert event.raw_body == "{not json"
    assert event.error
    # Zalo retries it: still one row.
    post_signed(client, zalo_channel, b"{not json", headers={"X-ZEvent-Timestamp": timestamp})
    assert ChannelEvent.objects.count() == 1


def test_signed_binary_garbage_is_kept_too(client, zalo_channel):
    timestamp = samples.now_ms()
    response = post_signed(client, zalo_channel, b"\x00\xff{", headers={"X-ZEvent-Timestamp": timestamp})
    assert response.status_code == 200
    assert ChannelEvent.objects.get().status == "unparseable"


def test_processing_a_message_creates_the_contact_and_opens_the_window(client, zalo_channel):
    post_signed(client, zalo_channel, samples.location())
    process_all()
    person = ChannelContact.objects.get(channel=zalo_channel)
    assert (person.user_id, person.app_user_id) == (samples.USER_ID, samples.USER_BY_APP)
    assert person.last_interaction_at is not None
    message = InboundMessage.objects.get()
    assert (message.kind, message.latitude, message.longitude) == ("location", 10.7769, 106.7009)
    assert message.channel_contact == person
    assert ChannelEvent.objects.get().status == "handled"


def test_follow_then_unfollow_arriving_out_of_order(client, zalo_channel):
    post_signed(client, zalo_channel, samples.unfollow(ts=samples.now_ms(-10)))
    post_signed(client, zalo_channel, samples.follow(ts=samples.now_ms(-60), source="qr"))
    process_all()
    person = ChannelContact.objects.get()
    assert person.is_follower is False
    assert person.follow_source == "qr"
    assert person.followed_at < person.unfollowed_at
    assert person.consent_at is None


def test_follow_submit_info_tag_and_chatnow(client, zalo_channel):
    for event in (samples.follow(ts=samples.now_ms(-30)), samples.submit_info(), samples.tagged(), samples.chatnow()):
        assert post_signed(client, zalo_channel, event).status_code == 200
    process_all()
    person = ChannelContact.objects.select_related("contact").get(user_id=samples.USER_ID)
    assert person.is_follower and person.consent_at is not None
    assert person.shared_phone == "+84912345678"
    assert person.shared_address == "12 Lê Lợi, Đông Hòa, Bình Sơn"
    assert person.tags == ["Phường Đông Hòa"]
    assert person.contact.name == "Nguyễn Thị Hoa"
    assert person.contact.phone == "", "a phone typed in the form is not a verified phone"
    assert ChannelContact.objects.filter(user_id="8413217452917239802").exists()
    assert not ChannelEvent.objects.exclude(status="handled").exists()


def test_a_submitted_phone_is_never_proof_of_identity(client, world):
    """The phone in Zalo's info form is whatever the person typed: two OAs' identities sharing one number stay two
    people, and neither Contact gets the number as its verified phone (only a one-time code does that)."""
    from .conftest import make_zalo_channel

    first = make_zalo_channel(world.commune_a)
    second = make_zalo_channel(world.commune_b, name="Zalo Bình An", oa_id="5790221648713589999")
    post_signed(client, first, samples.submit_info())
    event = samples.submit_info()
    event["recipient"]["id"] = second.external_id
    post_signed(client, second, event)
    process_all()
    people = list(ChannelContact.objects.select_related("contact"))
    assert len({c.contact_id for c in people}) == 2
    assert [c.shared_phone for c in people] == ["+84912345678", "+84912345678"]
    assert [c.contact.phone for c in people] == ["", ""]


def test_delivery_receipts_are_left_to_their_handler(client, zalo_channel):
    post_signed(client, zalo_channel, samples.zbs_delivered())
    process_all()
    assert not ChannelContact.objects.exists()
    assert ChannelEvent.objects.get().provider_event == "user_received_message"


def test_a_failing_handler_leaves_the_event_failed_then_retried(client, zalo_channel, monkeypatch):
    def broken(channel, event):
        raise RuntimeError("database hiccup")

    post_signed(client, zalo_channel, samples.text())
    event = ChannelEvent.objects.get()
    monkeypatch.setattr(inbound_queue, "handle", broken)
    assert process_all() == 1
    event.refresh_from_db()
    assert (event.status, event.attempts, event.handled_at) == ("failed", 1, None)
    assert "database hiccup" in event.error
    assert not InboundMessage.objects.exists()
    assert process_all() == 0, "a failed event waits for the retry job"
    monkeypatch.undo()
    assert retry_failed_events() == 1
    assert process_all() == 1
    event.refresh_from_db()
    assert (event.status, event.error, event.attempts) == ("handled", "", 2)
    assert InboundMessage.objects.count() == 1


def test_the_retry_job_gives_up_after_max_attempts(client, zalo_channel):
    post_signed(client, zalo_channel, samples.text())
    ChannelEvent.objects.update(status="failed", attempts=5, error="still broken")
    assert retry_failed_events(max_attempts=5) == 0
    assert process_all() == 0
    assert ChannelEvent.objects.get().status == "failed"


def test_signed_event_without_any_timestamp_is_refused(client, zalo_channel):
    """No timestamp in the body nor the header: no replay window, so the event is refused (403, nothing stored)."""
    event = samples.text()
    del event["timestamp"]
    assert post_signed(client, zalo_channel, event).status_code == 403
    assert post_signed(client, zalo_channel, b"{not json").status_code == 403
    assert not ChannelEvent.objects.exists()


def test_body_without_timestamp_is_checked_against_the_signed_header(client, zalo_channel, settings):
    """assumptions.TIMESTAMP_HEADER: a JSON body without its timestamp takes the header's, replay window included."""
    event = samples.text()
    del event["timestamp"]
    fresh = samples.now_ms()
    response = post_signed(client, zalo_channel, samples.compact(event), headers={"X-ZEvent-Timestamp": fresh})
    assert response.status_code == 200
    stale = str(int(fresh) - (settings.ZALO_WEBHOOK_MAX_AGE_SECONDS + 60) * 1000)
    other = samples.compact({**event, "message": {"msg_id": "mid-other", "text": "x"}})
    assert post_signed(client, zalo_channel, other, headers={"X-ZEvent-Timestamp": stale}).status_code == 403
    assert ChannelEvent.objects.count() == 1
