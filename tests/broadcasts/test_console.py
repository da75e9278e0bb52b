"""Console pages of broadcasts through HTTP: compose, preview, submit, four-eyes on the page, approve, progress."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from ketnoi.broadcasts.models import Broadcast, InternalNotice, Meeting
from ketnoi.broadcasts.services import fanout_run

from .conftest import new_follower, residential_groups


def login(client, user):
    client.cookies["django_language"] = "en"
    client.force_login(user)


def form_data(world, channel, **extra):
    data = {
        "unit": str(world.commune_a.uuid),
        "title": "Cắt nước",
        "topic": "news",
        "path": "consultation",
        "text": "Ngày mai cắt nước từ 8h.",
        "channels": [str(channel.uuid)],
        "area": str(world.commune_a.uuid),
        "buttons": "Chi tiết | url | https://example.org/cat-nuoc",
    }
    data.update(extra)
    return data


def test_compose_preview_submit_and_approve_through_the_console(world, client, channel_a):
    for i in range(3):
        new_follower(channel_a, f"v{i}")
    login(client, world.editor)
    assert client.get(reverse("console:broadcast_new")).status_code == 200
    preview = client.post(reverse("console:broadcast_preview"), form_data(world, channel_a, subscribers_only=""))
    body = preview.content.decode()
    assert "Ngày mai cắt nước" in body and "Chi tiết" in body and "3 recipients" in body
    bad = client.post(reverse("console:broadcast_new"), form_data(world, channel_a, buttons="no pipes here"))
    assert bad.status_code == 200 and "Line 1" in bad.content.decode()
    assert not Broadcast.objects.exists()  # nothing half-saved
    response = client.post(reverse("console:broadcast_new"), form_data(world, channel_a))
    broadcast = Broadcast.objects.get()
    assert response.status_code == 302
    detail = reverse("console:broadcast_detail", args=[broadcast.uuid])
    page = client.get(detail).content.decode()
    assert "Estimated:" in page and "Submit for approval" in page
    client.post(reverse("console:broadcast_act", args=[broadcast.uuid, "submit"]))
    login(client, world.leader_a)
    page = client.get(detail).content.decode()
    assert 'id="approve-broadcast"' in page
    client.post(reverse("console:broadcast_act", args=[broadcast.uuid, "approve"]))
    broadcast.refresh_from_db()
    assert broadcast.state == "sending"
    fanout_run(broadcast_id=broadcast.pk)
    progress = client.get(detail + "?part=progress", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-count="queued">3<' in progress  # the three followers of commune A's OA, not subscribers only


def test_the_author_sees_that_another_leader_must_approve(world, client, channel_a):
    login(client, world.leader_a)
    client.post(reverse("console:broadcast_new"), form_data(world, channel_a))
    broadcast = Broadcast.objects.get()
    client.post(reverse("console:broadcast_act", args=[broadcast.uuid, "submit"]))
    page = client.get(reverse("console:broadcast_detail", args=[broadcast.uuid])).content.decode()
    assert 'id="four-eyes"' in page and 'id="approve-broadcast"' not in page
    response = client.post(reverse("console:broadcast_act", args=[broadcast.uuid, "approve"]), follow=True)
    assert "You cannot approve a broadcast you wrote" in response.content.decode()
    broadcast.refresh_from_db()
    assert broadcast.state == "submitted"


def test_templates_groups_notices_and_meetings_pages(world, client):
    login(client, world.leader_a)
    response = client.post(
        reverse("console:broadcast_templates"),
        {"unit": str(world.commune_a.uuid), "name": "Bão", "topic": "emergency", "text": "Bão sắp đến."},
    )
    assert response.status_code == 302
    assert "Bão" in client.get(reverse("console:broadcast_templates")).content.decode()
    assert client.get(reverse("console:broadcast_groups")).status_code == 200
    page = client.post(reverse("console:internal_notices")).content.decode()
    assert "#lienket" in page
    start = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("console:meeting_list"),
        {
            "unit": str(world.commune_a.uuid),
            "title": "Giao ban",
            "starts_at": start,
            "place": "Hội trường",
            "participants": [world.processor_a.pk, world.leader_a.pk],
            "remind_minutes_before": 30,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    meeting = Meeting.objects.get()
    assert InternalNotice.objects.filter(user=world.processor_a).count() == 1
    client.post(reverse("console:meeting_detail", args=[meeting.uuid]), {"do": "yes"})
    assert meeting.participants.get(user=world.leader_a).attendance == "attending"
    assert residential_groups(world.commune_a)  # demo has groups to pick


def test_an_alert_from_a_pre_approved_template_goes_out_at_submit(world, client, channel_a):
    from ketnoi.broadcasts.services import template_pre_approve, template_save

    template = template_save(
        actor=world.editor, unit=world.commune_a, name="Lũ", text="Nước lên nhanh, sơ tán ngay.", topic="emergency"
    )
    template_pre_approve(actor=world.leader_a, template=template)
    login(client, world.editor)
    data = form_data(world, channel_a, topic="emergency", text="", buttons="", template=str(template.uuid))
    response = client.post(reverse("console:broadcast_new"), data)
    assert response.status_code == 302
    alert = Broadcast.objects.get()
    assert alert.text == template.text
    client.post(reverse("console:broadcast_act", args=[alert.uuid, "submit"]))
    alert.refresh_from_db()
    assert (alert.state, alert.approved_by) == ("sending", world.leader_a)
    missing = client.post(reverse("console:broadcast_new"), form_data(world, channel_a, text=""))
    assert "Write the text, or choose a template." in missing.content.decode()


def test_the_composer_posts_into_the_community_groups_chats(world, client, channel_a):
    """#22: "post into the community groups' Zalo chats": the preview counts the groups and their members (not the
    followers), the draft keeps the chosen groups, and its reach is their members."""
    from ketnoi.broadcasts.models import ChatGroup
    from ketnoi.broadcasts.services import group_for_residential_group

    chats = []
    for n, unit in enumerate(residential_groups(world.commune_a)[:3]):
        group = group_for_residential_group(actor=world.leader_a, residential_group=unit)
        chats.append(
            ChatGroup.objects.create(
                community_group=group, channel=channel_a, provider_group_id=f"g{n}", member_count=10 * (n + 1)
            )
        )
    new_follower(channel_a, "outside-the-groups")
    login(client, world.editor)
    data = form_data(world, channel_a, subscribers_only="", buttons="", to_group_chats="on")
    body = client.post(reverse("console:broadcast_preview"), data).content.decode()
    assert "3 group chats" in body and "60 members" in body
    chosen = [str(chats[0].community_group.uuid), str(chats[2].community_group.uuid)]
    response = client.post(reverse("console:broadcast_new"), {**data, "community_groups": chosen})
    assert response.status_code == 302
    broadcast = Broadcast.objects.get()
    assert broadcast.to_group_chats and broadcast.recipients_estimate == 40
    assert {g.pk for g in broadcast.community_groups.all()} == {
        chats[0].community_group_id,
        chats[2].community_group_id,
    }
