"""The demo seed: followers in groups, a past broadcast with statistics, a meeting; idempotent."""

from ketnoi.broadcasts import demo
from ketnoi.broadcasts.models import Broadcast, CommunityGroup, Meeting, Subscription
from ketnoi.broadcasts.selectors import broadcast_progress, group_reach
from ketnoi.channels.demo import seed as seed_channels


def test_demo_seed_is_complete_and_idempotent(world):
    seed_channels()
    demo.seed()
    demo.seed()
    past = Broadcast.objects.get(title=demo.PAST_TITLE)
    assert past.state == "sent"
    progress = broadcast_progress(past)
    assert progress.total > 0 and progress.percent == 100 and progress.seen > 0
    assert group_reach(past) and all(g["reached"] <= g["members"] for g in group_reach(past))
    assert CommunityGroup.objects.count() >= 2 and Subscription.objects.count() >= 12
    assert Meeting.objects.count() == 1
    assert Broadcast.objects.filter(state="submitted").count() == 1
