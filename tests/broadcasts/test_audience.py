"""Audience selection by area, tag, topic subscription and group, with exclusions: exactly the right recipients."""

from ketnoi.broadcasts.audience import Audience, recipient_count, recipients
from ketnoi.broadcasts.services import group_create, group_member_set, subscription_set, tag_add

from .conftest import new_channel, new_follower, residential_groups


def ids(audience):
    return set(recipients(audience).values_list("user_id", flat=True))


def test_area_tag_topic_group_and_exclusions(world):
    province_oa = new_channel(world.province)
    oa_a, oa_b = new_channel(world.commune_a), new_channel(world.commune_b)
    group_a1, group_a2 = residential_groups(world.commune_a)[:2]
    people = {}

    def person(name, channel, *, topics=(), area=None, group=None, tags=(), follower=True):
        p = new_follower(channel, name, is_follower=follower)
        if topics or area or group:
            subscription_set(channel_contact=p, topics=set(topics), area=area, group=group)
        for tag in tags:
            tag_add(actor=None, channel_contact=p, name=tag)
        people[name] = p
        return p

    person("a1-news", oa_a, topics={"news"}, group=group_a1)
    person("a2-news-biz", oa_a, topics={"news", "policies"}, group=group_a2, tags={"business"})
    person("a-unplaced", oa_a)  # follows commune A's OA, never said where: taken to live in A
    person("a-says-b", oa_a, topics={"news"}, area=world.commune_b)  # follows A's OA but lives in B
    person("a-gone", oa_a, topics={"news"}, group=group_a1, follower=False)  # unfollowed: never a recipient
    person("b-news", oa_b, topics={"news", "emergency"}, area=world.commune_b, tags={"group_leader"})
    person("p-in-a", province_oa, topics={"policies"}, area=world.commune_a, tags={"business"})
    person("p-unplaced", province_oa, tags={"citizen"})

    everyone = (province_oa.pk, oa_a.pk, oa_b.pk)
    assert ids(Audience(channel_ids=everyone)) == set(people) - {"a-gone"}
    assert ids(Audience(channel_ids=everyone, area_path=world.commune_a.path)) == {
        "a1-news",
        "a2-news-biz",
        "a-unplaced",
        "p-in-a",
    }
    assert ids(Audience(channel_ids=everyone, area_path=world.province.path)) == set(people) - {"a-gone"}
    assert ids(Audience(channel_ids=everyone, area_path=group_a1.path)) == {"a1-news"}
    assert ids(Audience(channel_ids=everyone, area_path=world.commune_b.path)) == {"a-says-b", "b-news"}
    assert ids(Audience(channel_ids=everyone, topic="news")) == {"a1-news", "a2-news-biz", "a-says-b", "b-news"}
    assert ids(Audience(channel_ids=everyone, topic="news", area_path=world.commune_a.path)) == {
        "a1-news",
        "a2-news-biz",
    }
    assert ids(Audience(channel_ids=everyone, tags=("business",))) == {"a2-news-biz", "p-in-a"}
    assert ids(Audience(channel_ids=everyone, tags=("business", "group_leader"))) == {
        "a2-news-biz",
        "p-in-a",
        "b-news",
    }
    assert ids(Audience(channel_ids=everyone, area_path=world.commune_a.path, exclude_tags=("business",))) == {
        "a1-news",
        "a-unplaced",
    }
    assert ids(Audience(channel_ids=everyone, area_path=world.commune_a.path, exclude_area_path=group_a2.path)) == {
        "a1-news",
        "a-unplaced",
        "p-in-a",
    }
    assert ids(Audience(channel_ids=(oa_a.pk,), topic="policies")) == {"a2-news-biz"}

    group = group_create(actor=world.editor, unit=world.commune_a, name="Tổ 1", residential_group=group_a1)
    group_member_set(actor=world.editor, group=group, channel_contact=people["a1-news"], role="leader")
    group_member_set(actor=world.editor, group=group, channel_contact=people["a-unplaced"])
    assert ids(Audience(channel_ids=everyone, group_ids=(group.pk,))) == {"a1-news", "a-unplaced"}
    assert ids(Audience(channel_ids=everyone, tags=("group_leader",))) == {"a1-news", "b-news"}

    tag_add(actor=None, channel_contact=people["p-unplaced"], name="tester")
    assert ids(Audience(channel_ids=everyone, area_path=world.commune_b.path, testers_only=True)) == {"p-unplaced"}
    assert recipient_count(Audience(channel_ids=everyone, area_path=world.commune_a.path)) == 4
