"""The Zalo adapter over real HTTP against the sandbox: webhooks in, messages out, tokens refreshed once."""

import datetime as dt
import threading

import pytest

from django.db import connection
from django.utils import timezone

from ketnoi.channels.models import Channel, ChannelEvent
from ketnoi.channels.types.base import Button, ErrorKind, OutboundPayload, Recipient, SendError
from ketnoi.channels.types.zalo import tokens
from ketnoi.channels.types.zalo.client import ZaloClient
from ketnoi.channels.types.zalo.type import ZaloType
from ketnoi.contacts.models import ChannelContact, InboundMessage
from tests.sandbox_oa import connect_sandbox_oa

from .conftest import run_inbound_queue

ZALO = ZaloType()


@pytest.fixture
def oa(zalo_sandbox, transactional_world, live_server):
    """A sandbox OA connected as a channel of commune A, its webhook pointed at our intake."""
    channel, created = connect_sandbox_oa(
        zalo_sandbox, unit=transactional_world.commune_a, live_server_url=live_server.url
    )
    yield channel, created
    tokens.forget(channel.pk)


def follower(zalo_sandbox, oa_id, name="Trần Văn Nam", phone="84912000111"):
    person = zalo_sandbox.create_user(name, phone=phone)
    followed = zalo_sandbox.follow(person["uid"], oa_id, source="qr")
    zalo_sandbox.wait_deliveries(oa_id, "follow")
    return person, followed


def recipient_for(user_id, *, hours_ago=1.0):
    return Recipient(
        user_id=user_id, last_interaction_at=timezone.now() - dt.timedelta(hours=hours_ago), is_follower=True
    )


def test_follow_creates_the_contact_with_follow_state_and_profile(zalo_sandbox, oa):
    channel, created = oa
    _person, followed = follower(zalo_sandbox, created["oa_id"])
    assert ChannelEvent.objects.filter(channel=channel, provider_event="follow").count() == 1
    run_inbound_queue()  # the follow
    run_inbound_queue()  # the profile fetch it scheduled
    contact = ChannelContact.objects.get(channel=channel)
    assert contact.user_id == followed["user_id"]
    assert contact.app_user_id == followed["user_id_by_app"]
    assert contact.is_follower is True
    assert contact.follow_source == "qr"
    assert contact.followed_at is not None and contact.last_interaction_at is not None
    assert contact.display_name == "Trần Văn Nam"
    assert ChannelEvent.objects.get(channel=channel).status == "handled"


def test_messages_and_submit_info_reach_contacts(zalo_sandbox, oa):
    channel, created = oa
    person, _followed = follower(zalo_sandbox, created["oa_id"])
    zalo_sandbox.send_text(person["uid"], created["oa_id"], "#TRACUU H90.123")
    zalo_sandbox.tap(person["uid"], created["oa_id"], "#KIENNGHI", hidden=True)
    zalo_sandbox.send_location(person["uid"], created["oa_id"], 10.5, 106.25)
    zalo_sandbox.submit_info(person["uid"], created["oa_id"], "Trần Văn Nam", "0912000222", "5 Trần Phú")
    for name in ("user_send_text", "user_send_location", "user_submit_info"):
        zalo_sandbox.wait_deliveries(created["oa_id"], name, count=2 if name == "user_send_text" else 1)
    run_inbound_queue()
    contact = ChannelContact.objects.get(channel=channel)
    assert contact.shared_phone == "+84912000222"
    assert "5 Trần Phú" in contact.shared_address
    texts = list(InboundMessage.objects.filter(kind="text").values_list("text", flat=True))
    assert sorted(texts) == ["#KIENNGHI", "#TRACUU H90.123"]
    location = InboundMessage.objects.get(kind="location")
    assert (location.latitude, location.longitude) == (10.5, 106.25)


def test_send_kinds_reach_the_sandbox(zalo_sandbox, oa):
    channel, created = oa
    _person, followed = follower(zalo_sandbox, created["oa_id"])
    to = recipient_for(followed["user_id"])
    payloads = [
        OutboundPayload(kind="text", text="Hồ sơ của bạn đã có kết quả."),
        OutboundPayload(
            kind="buttons",
            text="Bạn cần gì?",
            buttons=(
                Button("Tra cứu", "query_hide", "#TRACUU"),
                Button("Cổng dịch vụ", "url", "https://dichvucong.example.vn"),
                Button("Đường dây nóng", "phone", "+842363123456"),
                Button("Góp ý", "query_show", "#GOPY"),
            ),
        ),
        OutboundPayload(kind="request_info", title="Chia sẻ thông tin", text="Để nhận thông báo hồ sơ"),
        OutboundPayload(kind="image", media_url="https://example.vn/a.png", text="Sơ đồ"),
    ]
    ids = [ZALO.send(channel, to, p, idempotency_key=f"k{i}").provider_message_id for i, p in enumerate(payloads)]
    assert all(ids) and len(set(ids)) == 4
    sink = zalo_sandbox.messages(oa_id=created["oa_id"])
    assert {m["msg_id"] for m in sink} == set(ids)


def test_template_by_phone_carries_the_tracking_id(zalo_sandbox, oa):
    channel, created = oa
    result = ZALO.send(
        channel,
        Recipient(phone="+84912345678"),
        OutboundPayload(kind="template", template_id="300001", template_data={"ma_ho_so": "H90.1"}),
        idempotency_key="dossier-H90.1-done-1",
    )
    assert result.provider_message_id
    sent = zalo_sandbox.messages(oa_id=created["oa_id"], tracking_id="dossier-H90.1-done-1")
    assert len(sent) == 1 and sent[0]["msg_id"] == result.provider_message_id


def test_text_over_2000_characters_is_refused_before_sending(zalo_sandbox, oa):
    channel, created = oa
    # 2,000 characters after NFC (decomposed input would be longer before normalisation)
    decomposed = "e\u0301" * 2000
    ZALO.send(
        channel, recipient_for("x"), OutboundPayload(kind="text", text=decomposed), idempotency_key="ok"
    ) if False else None
    with pytest.raises(SendError) as caught:
        ZALO.send(channel, recipient_for("x"), OutboundPayload(kind="text", text="a" * 2001), idempotency_key="k")
    assert caught.value.kind == ErrorKind.PERMANENT
    assert ZALO.message_body(OutboundPayload(kind="text", text=decomposed))["text"] == "\u00e9" * 2000
    assert zalo_sandbox.messages(oa_id=created["oa_id"]) == []


def test_provider_errors_are_classified(zalo_sandbox, oa):
    channel, created = oa
    stranger = zalo_sandbox.create_user("Người lạ")
    zalo_sandbox.follow(stranger["uid"], created["oa_id"])
    followed = zalo_sandbox.unfollow(stranger["uid"], created["oa_id"])
    with pytest.raises(SendError) as caught:
        ZALO.send(
            channel, recipient_for(followed["user_id"]), OutboundPayload(kind="text", text="x"), idempotency_key="k"
        )
    assert caught.value.kind == ErrorKind.UNREACHABLE
    assert caught.value.provider_code == "-213"


def test_paid_window_records_the_cost(zalo_sandbox, oa, settings):
    """assumptions.paid_cs_cost: 55 đ between 48 h and 7 days."""
    channel, created = oa
    person, followed = follower(zalo_sandbox, created["oa_id"])
    zalo_sandbox.set_last_interaction(person["uid"], created["oa_id"], hours_ago=72)
    result = ZALO.send(
        channel,
        recipient_for(followed["user_id"], hours_ago=72),
        OutboundPayload(kind="text", text="x"),
        idempotency_key="k",
    )
    assert result.cost == 55
    assert ZALO.window(channel, recipient_for("u", hours_ago=47), timezone.now()) == "free"
    assert ZALO.window(channel, recipient_for("u", hours_ago=24 * 7 + 1), timezone.now()) == "closed"


def test_find_sent_finds_a_message_the_oa_already_sent(zalo_sandbox, oa):
    channel, created = oa
    _person, followed = follower(zalo_sandbox, created["oa_id"])
    to = recipient_for(followed["user_id"])
    before = timezone.now() - dt.timedelta(seconds=5)
    payload = OutboundPayload(kind="text", text="Lịch hẹn: 9 giờ thứ Hai")
    sent = ZALO.send(channel, to, payload, idempotency_key="k1")
    assert ZALO.find_sent(channel, to, payload, idempotency_key="k1", since=before) == sent.provider_message_id
    other = OutboundPayload(kind="text", text="Một tin khác")
    assert ZALO.find_sent(channel, to, other, idempotency_key="k2", since=before) is None
    later = timezone.now() + dt.timedelta(minutes=1)
    assert ZALO.find_sent(channel, to, payload, idempotency_key="k1", since=later) is None


def test_find_sent_reads_back_past_the_first_page_of_history(zalo_sandbox, oa):
    """Zalo returns 10 messages a page: a copy sent before 24 later messages must still be found."""
    channel, created = oa
    _person, followed = follower(zalo_sandbox, created["oa_id"])
    to = recipient_for(followed["user_id"])
    before = timezone.now() - dt.timedelta(seconds=5)
    buried = OutboundPayload(kind="text", text="Hồ sơ đã có kết quả")
    sent = ZALO.send(channel, to, buried, idempotency_key="buried")
    for n in range(24):
        ZALO.send(channel, to, OutboundPayload(kind="text", text=f"Tin số {n}"), idempotency_key=f"n{n}")
    assert ZALO.find_sent(channel, to, buried, idempotency_key="buried", since=before) == sent.provider_message_id


def test_token_expiring_mid_batch_is_refreshed_once_and_every_message_sent_once(zalo_sandbox, oa):
    channel, created = oa
    _person, followed = follower(zalo_sandbox, created["oa_id"])
    to = recipient_for(followed["user_id"])
    for n in range(20):
        if n == 7:
            zalo_sandbox.expire_token(oa_id=created["oa_id"])
        ZALO.send(channel, to, OutboundPayload(kind="text", text=f"tin {n}"), idempotency_key=f"batch-{n}")
    texts = [m["text"] for m in zalo_sandbox.messages(oa_id=created["oa_id"])]
    assert sorted(texts) == sorted(f"tin {n}" for n in range(20))
    channel.refresh_from_db()
    assert channel.credentials_version == 1
    assert channel.secrets["access_token"] != created["access_token"]
    assert channel.secrets["refresh_token"] != created["refresh_token"]
    assert channel.credentials_lease_until is None


def _in_threads(count, fn):
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def run(i):
        try:
            barrier.wait()
            results[i] = fn(i)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def test_two_workers_refreshing_at_once_keep_a_valid_grant(zalo_sandbox, oa):
    channel, created = oa
    stale = channel.secrets["access_token"]
    fresh = _in_threads(2, lambda i: tokens.refresh(Channel.objects.get(pk=channel.pk), stale_token=stale))
    assert fresh[0] == fresh[1] != stale
    channel.refresh_from_db()
    assert channel.credentials_version == 1
    # The stored refresh token is the live one: the next refresh (proactive) works, and so does a send.
    channel.token_expires_at = timezone.now() + dt.timedelta(minutes=30)
    channel.save(update_fields=["token_expires_at"])
    assert tokens.refresh_expiring_tokens() == {"refreshed": 1, "failed": 0}
    channel.refresh_from_db()
    assert channel.credentials_version == 2
    _person, followed = follower(zalo_sandbox, created["oa_id"])
    ZALO.send(channel, recipient_for(followed["user_id"]), OutboundPayload(kind="text", text="ok"), idempotency_key="k")


def test_concurrent_sends_with_an_expired_token_refresh_once(zalo_sandbox, oa):
    channel, created = oa
    _person, followed = follower(zalo_sandbox, created["oa_id"])
    zalo_sandbox.expire_token(oa_id=created["oa_id"], invalidate=True)
    to = recipient_for(followed["user_id"])

    def send(i):
        tokens.forget(channel.pk)
        return ZALO.send(
            Channel.objects.get(pk=channel.pk),
            to,
            OutboundPayload(kind="text", text=f"song song {i}"),
            idempotency_key=f"p{i}",
        )

    results = _in_threads(4, send)
    assert all(r.provider_message_id for r in results)
    channel.refresh_from_db()
    assert channel.credentials_version == 1
    assert len(zalo_sandbox.messages(oa_id=created["oa_id"])) == 4


def test_a_refused_refresh_reports_expired_credentials(zalo_sandbox, oa):
    channel, created = oa
    # Someone else (a second installation, a script) used our single-use refresh token: the grant is lost.
    ZaloClient().token_from_refresh(
        app_id=created["app_id"], app_secret=created["app_secret"], refresh_token=created["refresh_token"]
    )
    zalo_sandbox.expire_token(oa_id=created["oa_id"])
    with pytest.raises(SendError) as caught:
        ZALO.send(channel, recipient_for("u"), OutboundPayload(kind="text", text="x"), idempotency_key="k")
    assert caught.value.kind == ErrorKind.CREDENTIALS_EXPIRED
    channel.refresh_from_db()
    assert "re-consent" in channel.last_error
    assert channel.credentials_lease_until is None


def test_tags_and_follower_sync(zalo_sandbox, oa):
    from ketnoi.contacts.services import channel_contact_tag, follower_sync

    channel, created = oa
    person, followed = follower(zalo_sandbox, created["oa_id"], name="Lê Thị Tư")
    run_inbound_queue()
    contact = ChannelContact.objects.get(channel=channel)
    contact = channel_contact_tag(actor=None, channel_contact=contact, tag="Tổ dân phố 1")
    assert contact.tags == ["Tổ dân phố 1"]
    assert ZALO.oa_tags(channel) == ["Tổ dân phố 1"]
    listed = ZALO.follower_ids(channel, tag_name="Tổ dân phố 1")
    assert [u["user_id"] for u in listed["users"]] == [followed["user_id"]]
    zalo_sandbox.submit_info(person["uid"], created["oa_id"], "Lê Thị Tư", "0912000333", "7 Hùng Vương")
    ZALO.remove_tag(channel, followed["user_id"], "Tổ dân phố 1")
    ChannelContact.objects.filter(pk=contact.pk).update(shared_phone="", shared_address="")
    synced = follower_sync(channel_contact=ChannelContact.objects.get(pk=contact.pk))
    assert synced.tags == []
    assert synced.display_name == "Lê Thị Tư"
    assert synced.shared_phone == "+84912000333"
    assert "7 Hùng Vương" in synced.shared_address


def test_rate_limit_answer_is_classified(zalo_sandbox, oa):
    channel, created = oa
    _person, followed = follower(zalo_sandbox, created["oa_id"])
    zalo_sandbox.set_rate_limit(created["oa_id"], 1)
    to = recipient_for(followed["user_id"])
    with pytest.raises(SendError) as caught:
        for n in range(3):
            ZALO.send(channel, to, OutboundPayload(kind="text", text=f"x{n}"), idempotency_key=f"r{n}")
    assert (caught.value.kind, caught.value.provider_code) == (ErrorKind.RATE_LIMITED, "-32")
    assert caught.value.retry_after


def test_appsecret_proof_when_enabled(zalo_sandbox, oa, settings):
    """assumptions.send_appsecret_proof: the header is right when sent (the sandbox checks it)."""
    channel, created = oa
    _person, followed = follower(zalo_sandbox, created["oa_id"])
    settings.ZALO_APPSECRET_PROOF = True
    result = ZALO.send(
        channel, recipient_for(followed["user_id"]), OutboundPayload(kind="text", text="p"), idempotency_key="p"
    )
    assert result.provider_message_id


def test_appsecret_proof_is_really_sent(zalo_sandbox, oa, settings):
    channel, created = oa
    _person, followed = follower(zalo_sandbox, created["oa_id"])
    channel.set_secrets({**channel.secrets, "app_secret": "not-the-app-secret"})
    channel.save(update_fields=["secrets_encrypted"])
    tokens.forget(channel.pk)
    settings.ZALO_APPSECRET_PROOF = True
    with pytest.raises(SendError) as caught:
        ZALO.send(
            channel, recipient_for(followed["user_id"]), OutboundPayload(kind="text", text="p"), idempotency_key="p"
        )
    assert caught.value.provider_code == "-242"


def test_a_token_about_to_expire_is_refreshed_before_use(zalo_sandbox, oa):
    """assumptions.refresh_on_use_margin."""
    channel, created = oa
    _person, followed = follower(zalo_sandbox, created["oa_id"])
    Channel.objects.filter(pk=channel.pk).update(token_expires_at=timezone.now() + dt.timedelta(seconds=30))
    tokens.forget(channel.pk)
    ZALO.send(channel, recipient_for(followed["user_id"]), OutboundPayload(kind="text", text="t"), idempotency_key="t")
    channel.refresh_from_db()
    assert channel.credentials_version == 1
    assert channel.token_expires_at > timezone.now() + dt.timedelta(hours=24)


def test_one_event_processed_by_two_workers_at_once_is_handled_once(zalo_sandbox, oa):
    """A claimer (run_inbound) and a direct call by id race for the same event: one handles it, once."""
    from ketnoi.pipeline.claimer import drain, process_event
    from ketnoi.pipeline.tasks import process_channel_event

    channel, created = oa
    person, _followed = follower(zalo_sandbox, created["oa_id"])
    assert process_event(ChannelEvent.objects.get(channel=channel, provider_event="follow").pk) == "handled"
    zalo_sandbox.send_text(person["uid"], created["oa_id"], "một lần thôi")
    zalo_sandbox.wait_deliveries(created["oa_id"], "user_send_text")
    event = ChannelEvent.objects.get(channel=channel, provider_event="user_send_text")
    outcomes = _in_threads(2, lambda i: drain() if i == 0 else process_channel_event.call(event.pk))
    assert outcomes in ([1, "skipped"], [0, "handled"])
    assert InboundMessage.objects.filter(text="một lần thôi").count() == 1
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("handled", 1)
