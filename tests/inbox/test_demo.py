"""The demo inbox: conversations waiting and answered, canned replies; seeding twice changes nothing."""

from ketnoi.inbox.demo import seed
from ketnoi.inbox.models import CannedReply, Handoff
from ketnoi.outbox.models import OutboundMessage


def test_demo_inbox_is_seeded_once(world):
    seed()
    counts = (Handoff.objects.count(), CannedReply.objects.count(), OutboundMessage.objects.count())
    seed()
    assert (Handoff.objects.count(), CannedReply.objects.count(), OutboundMessage.objects.count()) == counts
    assert counts[0] == 4
    passed_up = Handoff.objects.get(channel_contact__user_id="demo-inbox-khoa")
    assert passed_up.unit == world.province and passed_up.entries.filter(kind="transferred").count() == 1
    assert Handoff.objects.filter(unit=world.commune_a, state="open").exists()
    answered = Handoff.objects.get(state="waiting_citizen")
    assert answered.assigned_to == world.processor_a and answered.first_response_at is not None
