"""A household joins its residential group from the chat (sandbox phone, real webhook): it picks the group among
those the ward's OA serves, writes its house number as it likes, and lands in the household the ward listed; the
reply names the group's leader. Asked again, the chat says where they are and lets them leave."""

from ketnoi.broadcasts.models import GroupMember, Subscription
from ketnoi.broadcasts.services import group_for_residential_group, household_save, leader_set
from ketnoi.contacts.models import ChannelContact, Contact
from tests.broadcasts.conftest import residential_groups

from .conftest import buttons, texts


def test_a_household_joins_its_residential_group_from_the_chat(oa, new_phone):
    world = oa.world
    second = residential_groups(world.commune_a)[1]
    group = group_for_residential_group(actor=world.leader_a, residential_group=second)
    listed = household_save(actor=world.leader_a, group=group, label="Số 12 ngõ 3", head_name="Hoàng Thị Huyền")
    leader = ChannelContact.objects.create(
        channel=oa.channel, contact=Contact.objects.create(name="Ma Đình Chắp"), user_id="leader-13",
        display_name="Ma Đình Chắp", is_follower=True,
    )  # fmt: skip
    member = GroupMember.objects.create(group=group, channel_contact=leader, household=listed)
    leader_set(actor=world.leader_a, member=member, leader=True)

    phone = new_phone("Hoàng Văn Nam")
    phone.follow()
    asked = phone.say("tham gia to dan pho")
    assert "Tổ dân phố 2" in buttons(asked)
    asked = phone.tap(buttons(asked)["Tổ dân phố 2"])
    assert "Số 12 ngõ 3 Lê Lợi" in texts(asked)  # the example of a house number
    joined = texts(phone.say("so 12, ngo 3"))
    assert "Số 12 ngõ 3" in joined and group.name in joined and "Ma Đình Chắp" in joined
    person = ChannelContact.objects.get(channel=oa.channel, user_id=phone.user_id)
    membership = GroupMember.objects.get(channel_contact=person)
    assert membership.household == listed and membership.group == group
    assert Subscription.objects.get(channel_contact=person).group == second  # broadcasts to Tổ 2 reach them

    where = phone.say("to dan pho")
    assert "Số 12 ngõ 3" in texts(where)
    left = phone.tap(buttons(where)["Rời tổ"])
    assert group.name in texts(left) and not GroupMember.objects.filter(channel_contact=person).exists()
