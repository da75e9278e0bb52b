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


def test_a_demo_code_typed_with_spaces_finds_its_dossier(world):
    from ketnoi.conversations.codes import find_dossier

    seed_procedures()
    seed()
    dossier, code = find_dossier("tra cuu ho so chat demo 2 giup toi")
    assert code == "CHAT-DEMO-2" and dossier.state == "result_ready"
    dossier, _code = find_dossier(f"ma {dossier.receipt_code.lower().replace('-', ' ')} a")
    assert dossier is not None and dossier.state == "result_ready"
