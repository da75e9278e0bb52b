"""The demo: petitions in every state across the demo agencies, some overdue, published ones on the public page;
seeding again changes nothing."""

from django.utils import timezone

from ketnoi.petitions.demo import seed
from ketnoi.petitions.models import BusinessPolicy, DeadlineAlert, Petition
from ketnoi.petitions.states import State


def test_demo_has_every_state_across_agencies_and_some_overdue(pw):
    made = seed()
    assert made == Petition.objects.count() >= 20
    states = set(Petition.objects.values_list("state", flat=True))
    assert states == set(State.values)
    agencies = set(Petition.objects.values_list("owner_agency__code", flat=True))
    assert {"H90.90001", "H90.90007", "H90.12", "H90.19", "H90.100", "H90.23"} <= agencies
    today = timezone.localdate()
    assert sum(1 for p in Petition.objects.all() if p.overdue_stages_on(today)) >= 2
    assert Petition.objects.filter(published_at__isnull=False).count() >= 4
    answered = Petition.objects.filter(first_answered_at__isnull=False)
    assert 0 < sum(1 for p in answered if not p.answered_on_time) < answered.count()
    assert Petition.objects.filter(petitioner_type="business").count() >= 4
    assert BusinessPolicy.objects.filter(is_published=True).count() == 3
    assert DeadlineAlert.objects.filter(kind__endswith="escalation").exists()
    alerts = DeadlineAlert.objects.count()
    assert seed() == 0
    assert DeadlineAlert.objects.count() == alerts
    assert Petition.objects.count() == made
