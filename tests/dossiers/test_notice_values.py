"""What the citizen is told is what the one-stop system said, with no blanks: the owner's due date is in place
before the receipt notice is composed; a supplement request without its list or deadline gets a wording without
them; a notice that would have an empty slot is never queued. Bad values in the native API are refused per event
(the rest of the batch is applied) and values an event carried that were not used are named in its result."""

import pytest

from ketnoi.api.services import api_client_create
from ketnoi.channels.models import Channel
from ketnoi.contacts.models import ChannelContact, Contact
from ketnoi.dossiers.models import Dossier, DossierEvent, NotificationKind, NotificationTemplate
from ketnoi.dossiers.notifications import blank_slots, compose, dossier_context, notify_citizen
from ketnoi.outbox.models import OutboundMessage

PHONE = "+84905123456"


@pytest.fixture
def api(world, procedures, client):
    _, token = api_client_create(actor=None, name="Một cửa Đông Hòa", unit=world.commune_a)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    class Api:
        def post(self, path, body):
            return client.post(f"/api/v1{path}", body, content_type="application/json", **headers)

    return Api()


@pytest.fixture
def follower(world):
    """A citizen whose phone is proven (a verified Contact) and who follows commune A's OA."""
    channel = Channel.objects.create(unit=world.commune_a, type_code="zalo", name="OA Phường Đông Hòa")
    contact = Contact.objects.create(name="Phạm Văn Đức", phone=PHONE)
    return ChannelContact.objects.create(channel=channel, contact=contact, user_id="u-duc", is_follower=True)


def texts(dossier):
    rows = OutboundMessage.objects.filter(source_type="dossier", source_id=str(dossier.uuid)).order_by("id")
    return [row.payload.get("text", "") for row in rows]


def body(**extra):
    values = {
        "external_id": "MC-7",
        "receipt_code": "H90.90001-261124-7001",
        "procedure_code": "1.001193",
        "receiving_agency_code": "H90.90001",
        "applicant": {"name": "Phạm Văn Đức", "phone": "0905123456"},
        "received_at": "20261124093200",
    }
    values.update(extra)
    return values


def test_the_owners_due_date_is_the_one_in_the_receipt_notice(api, follower):
    answer = api.post("/dossiers", body(due_date="2026-12-11"))
    assert answer.status_code == 200, answer.content
    dossier = Dossier.objects.get()
    assert str(dossier.due_date) == "2026-12-11"
    [receipt] = texts(dossier)
    assert "Ngày hẹn trả kết quả: 11/12/2026" in receipt  # ours would be 27/11/2026 (3 working days)


def test_without_a_due_date_of_the_owner_ours_is_told(api, follower):
    api.post("/dossiers", body())
    assert "Ngày hẹn trả kết quả: 27/11/2026" in texts(Dossier.objects.get())[0]


def event(event_id, code, minute, **extra):
    return {
        "event_id": event_id,
        "external_id": "MC-7",
        "status_code": code,
        "occurred_at": f"2026-11-24T10:{minute:02d}:00+07:00",
        **extra,
    }


def test_a_supplement_with_the_items_only_in_the_note_lists_them_and_gives_no_invented_deadline(api, follower):
    api.post("/dossiers", body())
    answer = api.post("/dossiers/events", {"events": [event("e1", 5, 1, note="Bản sao giấy chứng nhận kết hôn")]})
    assert answer.json()["results"][0]["status"] == "applied"
    notice = texts(Dossier.objects.get())[-1]
    assert "cần bổ sung: Bản sao giấy chứng nhận kết hôn." in notice
    assert "trước ngày" not in notice and ": ." not in notice


def test_a_supplement_with_neither_list_nor_deadline_gets_the_wording_without_them(api, follower):
    api.post("/dossiers", body())
    api.post("/dossiers/events", {"events": [event("e1", 5, 1)]})
    notice = texts(Dossier.objects.get())[-1]
    assert notice.startswith("Hồ sơ H90.90001-261124-7001 cần bổ sung giấy tờ;")
    assert "trước ngày" not in notice and ": ." not in notice


def test_a_supplement_deadline_sent_by_the_owner_is_told(api, follower):
    api.post("/dossiers", body())
    missing = ["Tờ khai có chữ ký"]
    api.post("/dossiers/events", {"events": [event("e1", 5, 1, missing=missing, supplement_due_date="20261201")]})
    notice = texts(Dossier.objects.get())[-1]
    assert "cần bổ sung: Tờ khai có chữ ký. Xin bổ sung trước ngày 01/12/2026." in notice


def test_a_notice_whose_wording_would_have_an_empty_slot_is_never_queued(world, receive, follower):
    dossier = receive(applicant_phone="0905123456")
    before = len(texts(dossier))
    event_row = DossierEvent.objects.filter(dossier=dossier).first()
    # The apology needs its reason and both dates: this dossier has none, and there is no wording without them.
    assert compose(dossier, kind=NotificationKind.APOLOGY, language="vi", event=event_row) is None
    assert notify_citizen(dossier=dossier, event=event_row, kind=NotificationKind.APOLOGY) == 0
    assert len(texts(dossier)) == before
    # A unit's own wording with a slot the dossier cannot fill falls back to a default wording without it.
    NotificationTemplate.objects.create(
        unit=world.commune_a, kind=NotificationKind.RECEIVED, language="vi", text="Hẹn trả {due_date}. {lookup_url}"
    )
    dossier.due_date = None
    text = compose(dossier, kind=NotificationKind.RECEIVED, language="vi")
    assert text.startswith("Trung tâm") or "đã tiếp nhận hồ sơ" in text
    assert not blank_slots(text, dossier_context(dossier, language="vi")) and "Hẹn trả" not in text


def test_every_queued_notice_has_its_slots_filled(api, follower):
    """Through a whole life on the API: no queued text has an empty slot (": ." or "ngày ." or double spaces)."""
    api.post("/dossiers", body())
    events = [event("a", 4, 1), event("b", 5, 2), event("c", 4, 3), event("d", 9, 4), event("e", 10, 5)]
    assert api.post("/dossiers/events", {"events": events}).json()["counts"] == {"applied": 5}
    for text in texts(Dossier.objects.get()):
        assert ": ." not in text and "ngày ." not in text and "  " not in text and "{" not in text, text


def test_a_bad_value_fails_its_event_alone_and_unused_values_are_named(api, follower):
    api.post("/dossiers", body())
    events = [
        event("ok-1", 4, 1, missing=["Không dùng"]),
        event("bad-date", 9, 2, due_date="30/02/2026 17:00:00"),
        event("bad-code", 11, 3),
        {"event_id": "no-time", "external_id": "MC-7", "status_code": 9},
        event("ok-2", 9, 4, collection_place="Quầy 2"),
    ]
    answer = api.post("/dossiers/events", {"events": events})
    assert answer.status_code == 200, answer.content
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["applied", "error", "error", "error", "applied"]
    assert [r["code"] for r in results[1:4]] == ["invalid_event", "unknown_status", "invalid_event"]
    assert "due_date" in results[1]["message"] and "occurred_at" in results[3]["message"]
    assert results[0]["ignored"] == ["missing, supplement_due_date: read only with status 5; ignored."]
    assert results[4]["ignored"] == []
    assert Dossier.objects.get().state == "result_ready"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"applicant": {"name": "A", "type": "7"}}, "type"),
        ({"channel": "9"}, "channel"),
        ({"language": "fr"}, "language"),
    ],
)
def test_unknown_codes_on_a_dossier_are_refused_not_stored(api, change, field):
    answer = api.post("/dossiers", body(**change))
    assert answer.status_code == 422, answer.content
    assert field in answer.content.decode()
    assert not Dossier.objects.exists()
