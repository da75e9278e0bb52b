"""The demo seeder: about 200 dossiers in every state through the services, idempotent, no messages sent."""

from ketnoi.dossiers import demo
from ketnoi.dossiers.models import Dossier, DossierEvent
from ketnoi.dossiers.states import State
from ketnoi.orgs.calendar import seed_current_years
from ketnoi.outbox.models import OutboundMessage
from ketnoi.procedures.demo import seed as seed_procedures


def test_demo_dossiers_cover_every_state_once(world):
    seed_current_years()
    seed_procedures()
    demo.seed()
    count = Dossier.objects.count()
    assert 190 <= count <= 210
    assert set(Dossier.objects.values_list("state", flat=True)) == set(State.values)
    assert set(Dossier.objects.values_list("receiving_agency__code", flat=True)) == {"H90.90001", "H90.100"}
    assert not Dossier.objects.exclude(state__in=["submitted", "not_accepted"]).filter(due_date=None).exists()
    returned = Dossier.objects.filter(state="result_returned").first()
    kinds = list(DossierEvent.objects.filter(dossier=returned).values_list("kind", flat=True))
    assert kinds[0] == "received" and "result_ready" in kinds and "result_returned" in kinds
    times = list(DossierEvent.objects.filter(dossier=returned).values_list("occurred_at", flat=True))
    assert times == sorted(times)
    assert not OutboundMessage.objects.exists()
    demo.seed()
    assert Dossier.objects.count() == count
