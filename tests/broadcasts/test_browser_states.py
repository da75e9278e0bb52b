"""In Chromium: the page of a broadcast opens in every state of the machine, the sent one included (its last step
has no actor: the scheduler marks it sent), and shows its state and its history."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from django.utils import timezone, translation

from ketnoi.broadcasts.models import Broadcast
from ketnoi.broadcasts.services import broadcast_cancel, broadcast_reject, broadcast_submit
from ketnoi.broadcasts.states import State

from .conftest import new_channel, new_follower
from .helpers import approved, draft, sent
from .test_browser import sign_in

pytestmark = pytest.mark.browser


def one_broadcast_per_state(world) -> dict[str, Broadcast]:
    channel = new_channel(world.commune_a)
    new_follower(channel, "state-1")
    editor, leader, unit = world.editor, world.leader_a, world.commune_a
    broadcasts = {State.DRAFT: draft(editor, unit, [channel], title="Bản nháp")}
    submitted = draft(editor, unit, [channel], title="Chờ duyệt")
    broadcasts[State.SUBMITTED] = broadcast_submit(actor=editor, broadcast=submitted)
    rejected = broadcast_submit(actor=editor, broadcast=draft(editor, unit, [channel], title="Bị từ chối"))
    broadcasts[State.REJECTED] = broadcast_reject(actor=leader, broadcast=rejected, reason="Sai giờ")
    later = timezone.now() + dt.timedelta(days=2)
    broadcasts[State.SCHEDULED] = approved(editor, leader, unit, [channel], title="Hẹn giờ", send_at=later)
    broadcasts[State.SENDING] = approved(editor, leader, unit, [channel], title="Đang gửi đi")
    broadcasts[State.SENT] = sent(editor, leader, unit, [channel], title="Đã gửi xong")
    cancelled = draft(editor, unit, [channel], title="Đã hủy")
    broadcast_cancel(actor=editor, broadcast=cancelled, reason="Không cần nữa")
    broadcasts[State.CANCELLED] = cancelled
    # "approved" never rests (approval schedules or starts sending in the same transaction); a row left there by a
    # crash or a future change must still open.
    resting = approved(editor, leader, unit, [channel], title="Đã duyệt")
    Broadcast.objects.filter(pk=resting.pk).update(state=State.APPROVED)
    broadcasts[State.APPROVED] = resting
    assert set(broadcasts) == set(State.values)
    for state, broadcast in broadcasts.items():
        broadcast.refresh_from_db()
        assert broadcast.state == state
    return broadcasts


def test_the_page_of_a_broadcast_opens_in_every_state(live_server, transactional_world, page):
    broadcasts = one_broadcast_per_state(transactional_world)
    sign_in(page, live_server.url, "bientap.tinh", transactional_world.password)
    for state, broadcast in broadcasts.items():
        response = page.goto(f"{live_server.url}/console/broadcasts/{broadcast.uuid}/")
        assert response.status == 200, state
        expect(page.locator("h1")).to_contain_text(broadcast.title)
        with translation.override("vi"):
            label = str(State(state).label)
        expect(page.locator("#broadcast-state")).to_have_text(label)
        expect(page.locator("#broadcast-history tr")).to_have_count(broadcast.transitions.count())
    # the sent broadcast's last step was taken by the system, and the page says so
    page.goto(f"{live_server.url}/console/broadcasts/{broadcasts[State.SENT].uuid}/")
    expect(page.locator("#broadcast-history tr").last).to_contain_text("hệ thống")
    expect(page.locator("#progress-percent")).to_have_text("100%")


def test_the_progress_poll_says_it_is_a_poll_so_the_access_log_leaves_it_out(live_server, transactional_world, page):
    world = transactional_world
    channel = new_channel(world.commune_a)
    new_follower(channel, "poll-1")
    sending = approved(world.editor, world.leader_a, world.commune_a, [channel], title="Đang gửi")
    sign_in(page, live_server.url, "bientap.tinh", world.password)
    with page.expect_request(lambda request: "part=progress" in request.url, timeout=10000) as polled:
        page.goto(f"{live_server.url}/console/broadcasts/{sending.uuid}/")
    headers = polled.value.headers
    assert headers.get("x-poll") == "1" and headers.get("hx-request") == "true"
    assert headers.get("x-csrftoken")  # the page's own htmx headers still travel with it
