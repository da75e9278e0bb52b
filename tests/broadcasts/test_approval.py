"""The state machine: four-eyes approval, emergency rules, the pre-approved fast path, scheduling and cancel."""

import datetime as dt

import pytest

from django.utils import timezone

from ketnoi.broadcasts.models import BroadcastTransition
from ketnoi.broadcasts.services import (
    broadcast_approve,
    broadcast_cancel,
    broadcast_reject,
    broadcast_submit,
    fanout_run,
    fanout_step,
    template_pre_approve,
    template_save,
)
from ketnoi.broadcasts.states import State
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.outbox.models import Lane, OutboundMessage, Status

from .conftest import new_follower
from .helpers import draft


@pytest.fixture
def second_leader(world):
    from django.contrib.auth import get_user_model

    from ketnoi.orgs.models import Membership
    from ketnoi.orgs.roles import Role

    user = get_user_model().objects.create_user("lanhdao2.donghoa", password="x")
    Membership.objects.create(user=user, unit=world.commune_a, role=Role.LEADER)
    return user


def test_an_author_cannot_approve_their_own_broadcast(world, channel_a, second_leader):
    broadcast = draft(world.leader_a, world.commune_a, [channel_a])  # leaders may compose too
    broadcast_submit(actor=world.leader_a, broadcast=broadcast)
    with pytest.raises(NotPermitted, match="another leader"):
        broadcast_approve(actor=world.leader_a, broadcast=broadcast)
    with pytest.raises(NotPermitted):
        broadcast_approve(actor=world.editor, broadcast=broadcast)  # an editor cannot approve at all
    broadcast.refresh_from_db()
    assert broadcast.state == State.SUBMITTED
    approved = broadcast_approve(actor=second_leader, broadcast=broadcast)
    assert approved.state == State.SENDING and approved.approved_by == second_leader
    history = list(BroadcastTransition.objects.filter(broadcast=broadcast).values_list("from_state", "to_state"))
    assert history == [("", "draft"), ("draft", "submitted"), ("submitted", "approved"), ("approved", "sending")]


def test_a_draft_cannot_be_approved_before_it_is_submitted_and_a_rejection_needs_a_reason(world, channel_a):
    broadcast = draft(world.editor, world.commune_a, [channel_a])
    with pytest.raises(ApplicationError):
        broadcast_approve(actor=world.leader_a, broadcast=broadcast)
    broadcast_submit(actor=world.editor, broadcast=broadcast)
    with pytest.raises(ApplicationError, match="why"):
        broadcast_reject(actor=world.leader_a, broadcast=broadcast, reason=" ")
    assert broadcast_reject(actor=world.leader_a, broadcast=broadcast, reason="Sai số liệu").state == State.REJECTED


def test_emergency_alerts_need_an_area_and_use_the_emergency_lane(world, channel_a):
    new_follower(channel_a, "x1")
    alert = draft(world.editor, world.commune_a, [channel_a], topic="emergency", subscribers_only=False)
    with pytest.raises(ApplicationError, match="area"):
        broadcast_submit(actor=world.editor, broadcast=alert)
    alert = draft(
        world.editor, world.commune_a, [channel_a], topic="emergency", subscribers_only=False, area=world.commune_a
    )
    broadcast_submit(actor=world.editor, broadcast=alert)
    broadcast_approve(actor=world.leader_a, broadcast=alert)
    fanout_run(broadcast_id=alert.pk)
    message = OutboundMessage.objects.get(source_type="broadcast", source_id=str(alert.pk))
    assert message.lane == Lane.EMERGENCY


def test_pre_approved_template_is_the_fast_path_for_alerts_only_in_its_exact_wording(world, channel_a):
    template = template_save(
        actor=world.editor,
        unit=world.commune_a,
        name="Bão",
        text="Bão số 3 sắp đổ bộ, tránh ra ngoài.",
        topic="emergency",
    )
    template_pre_approve(actor=world.leader_a, template=template)
    common = {"topic": "emergency", "area": world.commune_a, "subscribers_only": False, "template": template}
    fast = draft(world.editor, world.commune_a, [channel_a], text=template.text, **common)
    assert broadcast_submit(actor=world.editor, broadcast=fast).state == State.SENDING
    assert fast.__class__.objects.get(pk=fast.pk).approved_by == world.leader_a
    changed = draft(world.editor, world.commune_a, [channel_a], text=template.text + " Sửa.", **common)
    assert broadcast_submit(actor=world.editor, broadcast=changed).state == State.SUBMITTED


def test_send_at_schedules_and_the_job_starts_it(world, channel_a):
    from ketnoi.broadcasts.services.approval import start_due_broadcasts

    later = timezone.now() + dt.timedelta(hours=2)
    broadcast = draft(world.editor, world.commune_a, [channel_a], send_at=later)
    broadcast_submit(actor=world.editor, broadcast=broadcast)
    assert broadcast_approve(actor=world.leader_a, broadcast=broadcast).state == State.SCHEDULED
    assert start_due_broadcasts() == 0
    broadcast.__class__.objects.filter(pk=broadcast.pk).update(send_at=timezone.now() - dt.timedelta(seconds=1))
    assert start_due_broadcasts() == 1
    broadcast.refresh_from_db()
    assert broadcast.state == State.SENDING


def test_cancel_stops_further_sends(world, channel_a):
    for i in range(25):
        new_follower(channel_a, f"c{i}")
    broadcast = draft(world.editor, world.commune_a, [channel_a], subscribers_only=False)
    broadcast_submit(actor=world.editor, broadcast=broadcast)
    broadcast_approve(actor=world.leader_a, broadcast=broadcast)
    assert fanout_step(broadcast_id=broadcast.pk, batch=10)  # 10 queued, more to come
    first = OutboundMessage.objects.filter(source_id=str(broadcast.pk)).order_by("pk").first()
    OutboundMessage.objects.filter(pk=first.pk).update(status=Status.SENT)  # one already left
    cancelled = broadcast_cancel(actor=world.leader_a, broadcast=broadcast, reason="Sai địa bàn")
    assert cancelled == 9
    assert not fanout_step(broadcast_id=broadcast.pk, batch=10)  # the fan-out stops
    rows = OutboundMessage.objects.filter(source_id=str(broadcast.pk))
    assert rows.count() == 10
    assert rows.filter(status=Status.CANCELLED).count() == 9 and rows.filter(status=Status.SENT).count() == 1
    broadcast.refresh_from_db()
    assert broadcast.state == State.CANCELLED
    with pytest.raises(ApplicationError):
        broadcast_cancel(actor=world.leader_a, broadcast=broadcast)


def test_training_mode_reaches_only_testers_and_may_be_self_approved(world, channel_a):
    from ketnoi.broadcasts.services import tag_add

    tester = new_follower(channel_a, "tester")
    tag_add(actor=None, channel_contact=tester, name="tester")
    for i in range(3):
        new_follower(channel_a, f"citizen{i}")
    drill = draft(
        world.leader_a, world.commune_a, [channel_a], topic="emergency", subscribers_only=False, is_training=True
    )
    broadcast_submit(actor=world.leader_a, broadcast=drill)
    assert broadcast_approve(actor=world.leader_a, broadcast=drill).state == State.SENDING  # only testers hear it
    fanout_run(broadcast_id=drill.pk)
    rows = OutboundMessage.objects.filter(source_type="broadcast", source_id=str(drill.pk))
    assert list(rows.values_list("channel_contact__user_id", flat=True)) == ["tester"]
