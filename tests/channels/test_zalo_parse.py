"""Each Zalo event type the reference lists, parsed from bodies shaped like its samples."""

import datetime as dt

import pytest

from ketnoi.channels.types.base import EventKind
from ketnoi.channels.types.zalo import assumptions, parse

from . import samples

OA = samples.OA_ID


def one(event: dict):
    events = parse.parse(samples.compact(event), oa_id=OA)
    assert len(events) == 1
    return events[0]


def test_text_message():
    event = one(samples.text(ts="1699003881354"))
    assert event.kind == EventKind.MESSAGE
    assert event.provider_event == "user_send_text"
    assert (event.user_id, event.app_user_id) == (samples.USER_ID, samples.USER_BY_APP)
    assert event.provider_message_id == "mid-text-1"
    assert event.text == "Xin chào"
    assert event.occurred_at == dt.datetime(2023, 11, 3, 9, 31, 21, 354000, tzinfo=dt.UTC)
    assert event.dedup_key == "user_send_text:msg:mid-text-1"


@pytest.mark.parametrize(
    ("sample", "kind", "url"),
    [
        (samples.image, "image", "https://s.zdn.vn/i.jpg"),
        (samples.file, "file", "https://f.zdn.vn/d.pdf"),
        (samples.sticker, "sticker", "https://s.zdn.vn/s.png"),
    ],
)
def test_media_messages(sample, kind, url):
    event = one(sample())
    assert event.kind == EventKind.MESSAGE
    assert event.attachments[0].type == kind
    assert event.attachments[0].url == url


def test_file_name_is_kept():
    assert one(samples.file()).attachments[0].name == "don.pdf"


def test_location_in_either_unconfirmed_shape():
    """assumptions.LOCATION_SHAPES: message.location, or an attachment of type location."""
    assert assumptions.LOCATION_SHAPES
    first = one(samples.location()).attachments[0]
    second = one(samples.location_as_attachment()).attachments[0]
    assert (first.type, first.latitude, first.longitude) == ("location", 10.7769, 106.7009)
    assert (second.type, second.latitude, second.longitude) == ("location", 21.0285, 105.8542)


def test_query_button_tap_arrives_as_text():
    """assumptions.QUERY_BUTTON_ARRIVES_AS_TEXT: the payload is the text of a user_send_text."""
    assert assumptions.QUERY_BUTTON_ARRIVES_AS_TEXT
    assert one(samples.text(body="#TRACUU")).text == "#TRACUU"


def test_follow_and_unfollow_use_follower_id_and_source():
    follow = one(samples.follow(source="qr_code"))
    assert (follow.kind, follow.user_id, follow.source) == (EventKind.FOLLOW, samples.USER_ID, "qr_code")
    assert follow.app_user_id == samples.USER_BY_APP
    unfollow = one(samples.unfollow(ts="1700000000000"))
    assert unfollow.kind == EventKind.UNFOLLOW
    assert unfollow.dedup_key == f"unfollow:1700000000000:{samples.USER_ID}"


def test_submit_info_with_split_address():
    """assumptions.SUBMIT_INFO_ADDRESS_FIELDS: parts joined in order."""
    event = one(samples.submit_info())
    assert event.kind == EventKind.SUBMIT_INFO
    assert event.phone == "84912345678"
    assert event.info["name"] == "Nguyễn Thị Hoa"
    assert event.info["address"] == "12 Lê Lợi, Đông Hòa, Bình Sơn"


def test_submit_info_with_full_address():
    assert one(samples.submit_info(full_address=True)).info["address"] == "12 Lê Lợi, Phường Đông Hòa, Bình Sơn"


def test_received_receipt_of_an_oa_message():
    event = one(samples.received("oa-msg-7"))
    assert event.kind == EventKind.DELIVERED
    assert event.message_ids == ("oa-msg-7",)
    assert event.user_id == samples.USER_ID
    assert event.phone == ""


def test_seen_receipt_lists_message_ids():
    event = one(samples.seen())
    assert event.kind == EventKind.SEEN
    assert event.message_ids == ("oa-msg-1", "oa-msg-2")
    assert event.user_id == samples.USER_ID


def test_zbs_delivery_receipt_is_by_phone_and_uses_delivery_time():
    """assumptions.DELIVERY_RECIPIENT_IS_PHONE_WHEN: tracking_id/delivery_time mark a phone receipt."""
    event = one(samples.zbs_delivered())
    assert event.kind == EventKind.DELIVERED
    assert (event.user_id, event.phone, event.tracking_id) == ("", "84912345678", "dossier-42-done-1")
    assert event.message_ids == ("zbs-msg-1",)
    assert event.occurred_at == dt.datetime.fromtimestamp(1699003881.999, tz=dt.UTC)


def test_receipt_and_echo_of_one_message_have_different_keys():
    assert one(samples.received("oa-msg-9")).dedup_key != one(samples.echo()).dedup_key


def test_add_user_to_tag_gives_one_event_per_user():
    events = parse.parse(samples.compact(samples.tagged()), oa_id=OA)
    assert [e.kind for e in events] == [EventKind.TAGGED, EventKind.TAGGED]
    assert [e.user_id for e in events] == [samples.USER_ID, "8413217452917239802"]
    assert events[0].tags == ("Phường Đông Hòa",)


def test_chatnow_is_an_interaction():
    """assumptions.INTERACTION_EVENTS."""
    event = one(samples.chatnow())
    assert (event.kind, event.user_id) == (EventKind.CHAT_OPENED, samples.USER_ID)


@pytest.mark.parametrize("sample", [samples.unknown, samples.echo])
def test_unknown_events_and_echoes_are_other(sample):
    assert one(sample()).kind == EventKind.OTHER


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"\xff\xfe"])
def test_unreadable_bodies_raise(body):
    with pytest.raises(parse.UnparseableEvent):
        parse.parse(body, oa_id=OA)


def test_odd_shapes_never_crash():
    weird = {"event_name": "user_send_text", "sender": "x", "message": ["y"], "timestamp": "soon"}
    event = one(weird)
    assert event.kind == EventKind.MESSAGE
    assert event.user_id == ""
