"""The demo seed: followers spread over both communes and their residential groups, past broadcasts (news, a policy,
an alert) with statistics that the archive publishes, one waiting for approval, a meeting; idempotent."""

from ketnoi.broadcasts import demo
from ketnoi.broadcasts.models import Broadcast, CommunityGroup, Meeting, Subscription
from ketnoi.broadcasts.published import published_broadcasts
from ketnoi.broadcasts.selectors import broadcast_progress, group_reach
from ketnoi.channels.demo import seed as seed_channels


def test_demo_seed_is_complete_and_idempotent(world):
    seed_channels()
    demo.seed()
    counts = (Broadcast.objects.count(), Subscription.objects.count(), Meeting.objects.count())
    demo.seed()
    assert (Broadcast.objects.count(), Subscription.objects.count(), Meeting.objects.count()) == counts
    titles = [demo.PAST_TITLE, *(p["title"] for p in demo.MORE_PAST)]
    past = [Broadcast.objects.get(title=title) for title in titles]
    assert {b.topic for b in past} == {"news", "policies", "emergency"}
    for broadcast in past:
        assert broadcast.state == "sent" and not broadcast.is_training
        progress = broadcast_progress(broadcast)
        assert progress.total > 0 and progress.percent == 100 and progress.seen > 0
        assert group_reach(broadcast) and all(g["reached"] <= g["members"] for g in group_reach(broadcast))
    assert set(published_broadcasts()) == set(past)  # the archive: the sent ones, not the one waiting
    # followers spread over both communes and several residential groups of each
    for commune in (world.commune_a, world.commune_b):
        placed = Subscription.objects.filter(area=commune)
        assert placed.count() >= 12 and placed.values("group").distinct().count() >= 2
    assert CommunityGroup.objects.count() >= 4
    assert Meeting.objects.count() == 1
    assert Broadcast.objects.filter(state="submitted").count() == 1


def test_a_database_seeded_before_gets_the_new_past_broadcasts_once(world):
    seed_channels()
    demo.seed()
    Broadcast.objects.filter(title__in=[p["title"] for p in demo.MORE_PAST]).delete()
    demo.seed()
    demo.seed()
    for fields in demo.MORE_PAST:
        assert Broadcast.objects.filter(title=fields["title"], state="sent").count() == 1


def test_demo_followers_and_group_leaders_have_real_names(world):
    """The citizen who joins a group is told its leader's name: a Vietnamese full name, not "Hùng 2-1"."""
    from ketnoi.broadcasts.models import GroupMember

    seed_channels()
    demo.seed()
    names = list(GroupMember.objects.values_list("channel_contact__display_name", flat=True))
    assert names
    bad = [n for n in names if any(ch.isdigit() for ch in n) or len(n.split()) < 3]
    assert bad == []
