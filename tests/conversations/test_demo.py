"""The chat's demo citizen: one dossier for each flow, made once however often the demo is seeded."""

from io import StringIO

from ketnoi.conversations.demo import DEMO_PHONE, seed
from ketnoi.core.phones import normalize_phone
from ketnoi.dossiers.models import Dossier
from ketnoi.procedures.demo import seed as seed_procedures


def test_demo_citizen_has_a_dossier_for_each_flow(world):
    seed_procedures()
    out = StringIO()
    seed(stdout=out)
    seed()
    dossiers = Dossier.objects.filter(applicant_phone=normalize_phone(DEMO_PHONE))
    assert sorted(dossiers.values_list("state", flat=True)) == [
        "processing",
        "result_ready",
        "result_returned",
        "supplement_requested",
    ]
    for dossier in dossiers:
        assert dossier.receipt_code in out.getvalue()
