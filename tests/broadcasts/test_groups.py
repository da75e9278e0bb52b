"""Community groups managed by the ward: households added, corrected, moved with their members and removed; members
added by their proven phone only; leaders set and unset (the group_leader tag follows); the ward's household list
imported from CSV or XLSX all or nothing with a per-row report; every write audited and kept in the official's
communes."""

import io

import openpyxl
import pytest

from ketnoi.broadcasts.models import AudienceTag, CommunityGroup, GroupMember, GroupRole, Household
from ketnoi.broadcasts.services import (
    group_for_residential_group,
    household_move,
    household_remove,
    household_save,
    households_import,
    leader_set,
    member_add_by_phone,
)
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.core.models import AuditEntry

from .conftest import new_channel, new_follower, residential_groups


@pytest.fixture
def groups(world):
    first, second = residential_groups(world.commune_a)[:2]
    return (
        group_for_residential_group(actor=world.leader_a, residential_group=first),
        group_for_residential_group(actor=world.leader_a, residential_group=second),
    )


def proven(channel, user_id, phone):
    """A follower whose phone was proven by a one-time code (the contact's phone) and who typed it in Zalo's form."""
    person = new_follower(channel, user_id, phone=phone)
    person.contact.phone = phone
    person.contact.save(update_fields=["phone"])
    return person


def test_households_are_added_corrected_moved_with_their_members_and_removed(world, groups):
    first, second = groups
    assert first.name == "Cộng đồng Tổ dân phố 1"  # in the province's language, whoever created it
    channel = new_channel(world.commune_a)
    home = household_save(actor=world.leader_a, group=first, label="Số 12 ngõ 3", head_name="Ma Đình Chắp",
                          phone="0912 000 777")  # fmt: skip
    assert home.phone == "+84912000777" and home.label_key == "12 ngo 3"
    with pytest.raises(ApplicationError) as duplicate:
        household_save(actor=world.leader_a, group=first, label="số 12, ngõ 3")  # the same house written another way
    assert duplicate.value.code == "duplicate_household"
    person = proven(channel, "u-12", "+84912000777")
    [member] = member_add_by_phone(actor=world.leader_a, household=home, phone="0912000777")
    assert member.group == first and member.household == home
    household_save(actor=world.leader_a, group=first, household=home, label="Số 14 ngõ 3", head_name="Ma Đình Chắp")
    assert Household.objects.get(pk=home.pk).phone == "+84912000777"  # not shown in full, so kept unless retyped
    household_move(actor=world.leader_a, household=home, to=second)
    member.refresh_from_db()
    assert member.group == second and Household.objects.get(pk=home.pk).group == second
    household_remove(actor=world.leader_a, household=home)
    assert not GroupMember.objects.filter(channel_contact=person).exists() and not Household.objects.exists()
    actions = list(
        AuditEntry.objects.filter(action__startswith="broadcasts.household")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "broadcasts.household_add",
        "broadcasts.household_update",
        "broadcasts.household_move",
        "broadcasts.household_remove",
    ]


def test_a_member_is_added_only_by_a_proven_phone(world, groups):
    first, _ = groups
    channel = new_channel(world.commune_a)
    home = household_save(actor=world.leader_a, group=first, label="Số 5")
    typed = new_follower(channel, "typed-only")
    typed.shared_phone = "+84912000888"  # typed in Zalo's form, never proven
    typed.save(update_fields=["shared_phone"])
    with pytest.raises(ApplicationError) as refused:
        member_add_by_phone(actor=world.leader_a, household=home, phone="0912000888")
    assert refused.value.code == "no_follower" and "091****888" in refused.value.message
    other_ward = new_channel(world.commune_b)
    proven(other_ward, "elsewhere", "+84912000999")  # proven, but on another ward's OA
    with pytest.raises(ApplicationError):
        member_add_by_phone(actor=world.leader_a, household=home, phone="0912000999")


def test_leaders_are_set_and_unset_with_their_tag(world, groups):
    first, _ = groups
    channel = new_channel(world.commune_a)
    home = household_save(actor=world.leader_a, group=first, label="Số 1")
    proven(channel, "leader-1", "+84912000111")
    [member] = member_add_by_phone(actor=world.leader_a, household=home, phone="0912000111")
    leader_set(actor=world.leader_a, member=member, leader=True)
    assert GroupMember.objects.get(pk=member.pk).role == GroupRole.LEADER
    assert AudienceTag.objects.filter(channel_contact=member.channel_contact, name="group_leader").exists()
    leader_set(actor=world.leader_a, member=member, leader=False)
    assert not AudienceTag.objects.filter(name="group_leader").exists()


def test_an_official_manages_only_their_communes(world, groups):
    first, _ = groups
    with pytest.raises(NotPermitted):
        household_save(actor=world.desk_b, group=first, label="Số 9")
    other = residential_groups(world.commune_b)[0]
    with pytest.raises(NotPermitted):
        group_for_residential_group(actor=world.leader_a, residential_group=other)
    with pytest.raises(NotPermitted):
        households_import(actor=world.leader_a, commune=world.commune_b, file_name="ho.csv", content=b"to,so nha\n")


CSV = (
    "Tổ dân phố;Số nhà;Chủ hộ;Số điện thoại\n"
    "Tổ dân phố 1;Số 3;Nguyễn Văn Ba;0912 000 333\n"
    "2;Số 7 ngõ 1;Trần Thị Bảy;\n"
    "Tổ dân phố 1;Số 4;Lê Văn Bốn;0912000444\n"
).encode()


def test_the_household_list_is_imported_from_csv_and_followers_join_by_proven_phone(world):
    channel = new_channel(world.commune_a)
    person = proven(channel, "ba", "+84912000333")
    report = households_import(actor=world.leader_a, commune=world.commune_a, file_name="ho.csv", content=CSV)
    assert report.ok and len(report.created) == 3
    assert CommunityGroup.objects.filter(unit=world.commune_a).count() == 2  # groups made for Tổ 1 and Tổ 2
    assert GroupMember.objects.get(channel_contact=person).household.label == "Số 3"
    assert any("1 followers" in w or "1 follower" in w for w in report.warnings)
    again = households_import(actor=world.leader_a, commune=world.commune_a, file_name="ho.csv", content=CSV)
    assert len(again.unchanged) == 3 and Household.objects.count() == 3


def test_a_file_with_a_bad_row_imports_nothing_and_says_where(world):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["group", "house", "head", "phone"])
    sheet.append(["Tổ dân phố 1", "Số 1", "An", "0912000001"])
    sheet.append(["Tổ dân phố 9", "Số 2", "Bình", ""])  # no such group in the ward
    sheet.append(["Tổ dân phố 1", "", "Chi", "12345"])  # no house, not a phone
    sheet.append(["Tổ dân phố 1", "so 1", "Dũng", ""])  # the same house as row 2
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = households_import(
        actor=world.leader_a, commune=world.commune_a, file_name="ho.xlsx", content=buffer.getvalue()
    )
    assert not report.ok and not Household.objects.exists() and not CommunityGroup.objects.exists()
    problems = {(e.row, e.field) for e in report.errors}
    assert problems == {(3, "group"), (4, "label"), (4, "phone"), (5, "label")}
