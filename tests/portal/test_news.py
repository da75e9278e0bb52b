"""The public news archive: what was broadcast (sent, not training) is searchable without accents, by topic and area;
anything training, unsent or cancelled never shows."""

import pytest

from ketnoi.broadcasts.services import broadcast_cancel
from ketnoi.broadcasts.states import State
from tests.broadcasts.conftest import new_channel, new_follower, residential_groups
from tests.broadcasts.helpers import approved, draft, sent


@pytest.fixture
def archive(world):
    from django.contrib.auth import get_user_model

    from ketnoi.orgs.models import Membership
    from ketnoi.orgs.roles import Role

    province_leader = get_user_model().objects.create_user(username="lanhdao.tinh.news", password="x")
    Membership.objects.create(user=province_leader, unit=world.province, role=Role.LEADER)
    channel_a, channel_b = new_channel(world.commune_a), new_channel(world.commune_b)
    new_follower(channel_a, "a1")
    new_follower(channel_b, "b1")
    group = residential_groups(world.commune_a)[0]
    items = {
        "water": sent(
            world.editor, world.leader_a, world.commune_a, [channel_a],
            title="Lịch cắt nước", text="Cắt nước thứ Bảy để sửa đường ống.", text_en="Water cut on Saturday.",
            subscribers_only=False, area=group,
        ),
        "policy": sent(
            world.editor, province_leader, world.commune_b, [channel_b], topic="policies",
            title="Chính sách hỗ trợ hộ nghèo", text="Hỗ trợ tiền điện cho hộ nghèo từ tháng Một.",
            subscribers_only=False,
        ),
        "storm": sent(
            world.editor, province_leader, world.province, [channel_a, channel_b], topic="emergency",
            title="Cảnh báo bão số 5", text="Bão đang vào, người dân hạn chế ra đường.", subscribers_only=False,
            area=world.province,
        ),
        "training": sent(
            world.editor, world.leader_a, world.commune_a, [channel_a],
            title="Tập huấn cắt nước", text="Bản thử cắt nước.", is_training=True, subscribers_only=False,
        ),
        "unsent": approved(
            world.editor, world.leader_a, world.commune_a, [channel_a],
            title="Đang gửi cắt nước", text="Chưa gửi xong cắt nước.", subscribers_only=False,
        ),
        "drafted": draft(world.editor, world.commune_a, [channel_a], title="Nháp cắt nước", text="Nháp cắt nước."),
        "cancelled": approved(
            world.editor, world.leader_a, world.commune_a, [channel_a],
            title="Đã hủy cắt nước", text="Hủy cắt nước.", subscribers_only=False,
        ),
    }  # fmt: skip
    broadcast_cancel(actor=world.leader_a, broadcast=items["cancelled"], reason="wrong day")
    assert items["training"].state == State.SENT and items["water"].state == State.SENT
    return items


def shown(client, **params) -> str:
    response = client.get("/tin-tuc/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_search_ignores_diacritics_and_hides_what_was_not_published(client, archive):
    page = shown(client, q="cat nuoc")
    assert "Lịch cắt nước" in page
    for hidden in ("Tập huấn", "Đang gửi", "Nháp", "Đã hủy", "Chính sách hỗ trợ"):
        assert hidden not in page
    everything = shown(client)
    assert all(t in everything for t in ("Lịch cắt nước", "Chính sách hỗ trợ hộ nghèo", "Cảnh báo bão số 5"))
    for hidden in ("Tập huấn", "Đang gửi", "Nháp", "Đã hủy"):
        assert hidden not in everything
    assert "Chính sách hỗ trợ" in shown(client, q="HO TRO ho ngheo")


def test_topic_and_area_filters(client, archive, world):
    in_b = shown(client, area=world.commune_b.code)
    assert "Chính sách hỗ trợ hộ nghèo" in in_b and "Cảnh báo bão số 5" in in_b  # province-wide items too
    assert "Lịch cắt nước" not in in_b
    in_a = shown(client, area=world.commune_a.code)
    assert "Lịch cắt nước" in in_a and "Cảnh báo bão" in in_a and "Chính sách hỗ trợ" not in in_a
    policies = shown(client, topic="policies")
    assert "Chính sách hỗ trợ" in policies and "Lịch cắt nước" not in policies and "Cảnh báo bão" not in policies


def test_detail_pages(client, archive):
    page = client.get(f"/tin-tuc/{archive['water'].uuid}/").content.decode()
    assert "Cắt nước thứ Bảy để sửa đường ống." in page
    client.cookies["django_language"] = "en"
    assert "Water cut on Saturday." in client.get(f"/tin-tuc/{archive['water'].uuid}/").content.decode()
    for name in ("training", "unsent", "drafted", "cancelled"):
        assert client.get(f"/tin-tuc/{archive[name].uuid}/").status_code == 404
    assert client.post(f"/tin-tuc/{archive['water'].uuid}/").status_code == 405
