"""The inbox pages over HTTP: list with folders and live rows, a conversation, its actions, duty, canned replies,
response targets, and the navigation's count."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from ketnoi.core.models import AuditEntry
from ketnoi.inbox.models import CannedReply, EntryKind, Handoff, ServicePolicy
from ketnoi.inbox.services import back_to_bot_payload, canned_reply_save, duty_set, handoff_open
from ketnoi.outbox.models import OutboundMessage

from .conftest import make_citizen


def _login(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"


def test_the_list_shows_waiting_conversations_and_the_navigation_counts_them(world, client, citizen, webchat_b):
    handoff_open(channel_contact=citizen, reason="Hỏi thủ tục", requested_by_citizen=True)
    other = handoff_open(channel_contact=make_citizen(webchat_b, "Lê Thị Xa"), reason="", requested_by_citizen=True)
    _login(client, world.processor_a)
    page = client.get(reverse("console:inbox_list")).content.decode()
    assert "Trần Văn Bình" in page and "Lê Thị Xa" not in page
    assert "Inbox (1)" in page
    rows = client.get(reverse("console:inbox_list") + "?folder=waiting", headers={"HX-Request": "true"})
    assert "<html" not in rows.content.decode() and "Trần Văn Bình" in rows.content.decode()
    assert 'hx-swap-oob="true"' in rows.content.decode()  # the folder counts refresh with the rows
    assert 'data-folder-count="waiting">1<' in rows.content.decode()
    assert client.get(reverse("console:inbox_detail", kwargs={"uuid": other.uuid})).status_code == 404


def test_the_unit_admin_has_no_inbox_but_manages_canned_replies(world, client):
    _login(client, world.unit_admin_a)
    assert client.get(reverse("console:inbox_list")).status_code == 403
    response = client.post(
        reverse("console:inbox_canned_list"),
        {"unit": str(world.commune_a.uuid), "title": "Giờ làm việc", "text": "Thứ Hai đến thứ Sáu, 7h30-17h."},
    )
    assert response.status_code == 302
    canned = CannedReply.objects.get(unit=world.commune_a, title="Giờ làm việc")
    assert AuditEntry.objects.filter(action="inbox.canned_reply_save", target_id=str(canned.uuid)).exists()
    # a second one with the same title is refused with a clear message, what was typed stays
    again = client.post(
        reverse("console:inbox_canned_list"),
        {"unit": str(world.commune_a.uuid), "title": "Giờ làm việc", "text": "Khác"},
    )
    assert again.status_code == 200 and "already has a canned reply" in again.content.decode()
    edit = client.post(
        reverse("console:inbox_canned_edit", kwargs={"uuid": canned.uuid}),
        {"title": "Giờ làm việc", "text": "Thứ Hai đến thứ Sáu, 7h30-11h30 và 13h30-17h."},
    )
    assert edit.status_code == 302
    canned.refresh_from_db()
    assert "13h30" in canned.text
    client.post(reverse("console:inbox_canned_delete", kwargs={"uuid": canned.uuid}))
    assert not CannedReply.objects.filter(pk=canned.pk).exists()


def test_canned_replies_are_offered_in_the_conversation(world, client, citizen):
    canned_reply_save(actor=world.leader_a, unit=world.commune_a, title="Cảm ơn", text="Cảm ơn anh/chị đã liên hệ.")
    canned_reply_save(actor=None, unit=world.province, title="Đường dây nóng", text="Gọi 1022.")
    canned_reply_save(actor=None, unit=world.commune_b, title="Bình An riêng", text="Chỉ cho Bình An.")
    handoff = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)
    _login(client, world.desk_a)
    page = client.get(reverse("console:inbox_detail", kwargs={"uuid": handoff.uuid})).content.decode()
    assert "Cảm ơn anh/chị đã liên hệ." in page and "Gọi 1022." in page and "Bình An riêng" not in page


def test_take_reply_note_and_close_from_the_console(world, client, citizen):
    handoff = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)
    _login(client, world.processor_a)
    act = lambda action, **data: client.post(  # noqa: E731
        reverse("console:inbox_act", kwargs={"uuid": handoff.uuid, "action": action}), data
    )
    assert act("take").status_code == 302
    handoff.refresh_from_db()
    assert handoff.assigned_to == world.processor_a and handoff.state == "assigned"

    assert act("reply", text="Anh mang theo CCCD nhé.", token="t-1", send="text").status_code == 302
    assert act("reply", text="Anh mang theo CCCD nhé.", token="t-1", send="text").status_code == 302  # double submit
    replies = OutboundMessage.objects.filter(source_type="handoff", source_id=str(handoff.uuid))
    assert replies.count() == 1 and replies.get().payload["text"] == "Anh mang theo CCCD nhé."
    handoff.refresh_from_db()
    assert handoff.state == "waiting_citizen" and handoff.first_response_at is not None

    empty = act("note", text="   ")
    assert empty.status_code == 200 and "This field is required." in empty.content.decode()
    act("note", text="Công dân hỏi lần 2 về khai sinh")
    page = client.get(reverse("console:inbox_detail", kwargs={"uuid": handoff.uuid})).content.decode()
    assert "Công dân hỏi lần 2 về khai sinh" in page

    act("close", return_to_bot="on")
    handoff.refresh_from_db()
    assert handoff.state == "closed" and handoff.returned_to_bot
    back = replies.exclude(pk=replies.filter(payload__text="Anh mang theo CCCD nhé.").get().pk)
    assert [m.payload["text"] for m in back] == [back_to_bot_payload(handoff).text]


def test_a_desk_officer_cannot_take_over_a_colleagues_conversation_but_a_leader_can(world, client, citizen):
    handoff = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)
    _login(client, world.processor_a)
    client.post(reverse("console:inbox_act", kwargs={"uuid": handoff.uuid, "action": "take"}))
    _login(client, world.desk_a)
    refused = client.post(reverse("console:inbox_act", kwargs={"uuid": handoff.uuid, "action": "take"}))
    assert refused.status_code == 200 and "a leader can reassign it" in refused.content.decode()
    _login(client, world.leader_a)
    client.post(
        reverse("console:inbox_act", kwargs={"uuid": handoff.uuid, "action": "assign"}), {"to": world.desk_a.pk}
    )
    handoff.refresh_from_db()
    assert handoff.assigned_to == world.desk_a
    assert handoff.entries.filter(kind=EntryKind.ASSIGNED).count() == 2


def test_duty_switch_from_the_list(world, client):
    _login(client, world.desk_a)
    url = reverse("console:inbox_duty", kwargs={"unit_uuid": world.commune_a.uuid})
    assert client.post(url, {"user": world.desk_a.pk, "on_duty": "1"}).status_code == 302
    assert world.desk_a.inbox_duties.get(unit=world.commune_a).on_duty
    # a desk officer cannot put a colleague on duty
    client.post(url, {"user": world.processor_a.pk, "on_duty": "1"})
    assert not world.processor_a.inbox_duties.filter(on_duty=True).exists()
    other = reverse("console:inbox_duty", kwargs={"unit_uuid": world.commune_b.uuid})
    assert client.post(other, {"on_duty": "1"}).status_code == 404


def test_response_targets_per_unit(world, client):
    _login(client, world.leader_a)
    client.cookies["django_language"] = "en"
    url = reverse("console:inbox_policy", kwargs={"uuid": world.commune_a.uuid})
    assert client.get(url).status_code == 200
    bad = client.post(
        url,
        {
            "first_response_minutes": 30,
            "resolution_minutes": 600,
            "day_start": "17:00",
            "day_end": "07:30",
            "reopen_hours": 12,
        },
    )
    assert "Office hours must end after they start." in bad.content.decode()
    client.post(
        url,
        {
            "first_response_minutes": 30,
            "resolution_minutes": 600,
            "day_start": "07:00",
            "day_end": "16:30",
            "reopen_hours": 12,
        },
    )
    policy = ServicePolicy.objects.get(unit=world.commune_a)
    assert (policy.first_response_minutes, policy.day_end) == (30, dt.time(16, 30))
    assert client.get(reverse("console:inbox_policy", kwargs={"uuid": world.commune_b.uuid})).status_code == 404


def test_live_thread_fragment(world, client, citizen):
    handoff = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)
    duty_set(actor=world.desk_a, user=world.desk_a, unit=world.commune_a, on_duty=True)
    _login(client, world.desk_a)
    url = reverse("console:inbox_detail", kwargs={"uuid": handoff.uuid}) + "?part=thread"
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and 'id="thread"' in fragment and 'data-window="free"' in fragment
    assert Handoff.objects.get(pk=handoff.pk).first_response_due_at > timezone.now() - dt.timedelta(days=1)
