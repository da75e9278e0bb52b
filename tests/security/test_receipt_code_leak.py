"""Receipt codes are unique within a unit, and a code is "already taken" only where the caller can see it
(issue 14 item 8): an API client of commune A that sends commune B's code gets the answer a fresh code gets, and
learns nothing; B's dossier is untouched and the public lookup still finds B's. Within its own unit the client
gets 409, also when two requests race on PostgreSQL."""

import threading

import pytest

from django.db import connection

from ketnoi.api.services import api_client_create
from ketnoi.dossiers.models import Dossier, DossierAlias
from ketnoi.dossiers.selectors import dossier_find_by_code
from ketnoi.dossiers.services import dossier_receive
from ketnoi.orgs.models import Agency
from tests.dossiers.conftest import make_procedures
from tests.dossiers.test_api import dossier_body


def caller(client, unit):
    _client, token = api_client_create(actor=None, name=f"Một cửa {unit.name}", unit=unit)

    def post(body):
        return client.post(
            "/api/v1/dossiers", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )

    return post


def shape(response) -> tuple:
    data = response.json()
    return response.status_code, data.get("created"), sorted(data), sorted(data["dossier"])


def test_another_units_code_is_neither_confirmed_nor_touched(world, client):
    theirs = dossier_receive(
        actor=None,
        procedure=make_procedures().birth,
        receiving_agency=Agency.objects.get(code="H90.90007"),
        competent_agency=Agency.objects.get(code="UB.90007"),  # all of it in commune B
        applicant_name="Người ở Bình An",
        receipt_code="H90.90007-261124-0001",
    )
    DossierAlias.objects.create(dossier=theirs, code="000.00.07.H90-261124-0001")
    post = caller(client, world.commune_a)

    fresh = post(dossier_body("MC-1", receipt_code="H90.90001-261124-7777"))
    probe = post(dossier_body("MC-2", receipt_code=theirs.receipt_code, other_codes=["000.00.07.H90-261124-0001"]))
    assert fresh.status_code == 200, fresh.content
    assert shape(probe) == shape(fresh) and probe.json()["created"] is True, probe.content
    assert probe.json()["dossier"]["receipt_code"] == theirs.receipt_code  # the client's own numbering, kept
    theirs.refresh_from_db()
    assert theirs.applicant_name == "Người ở Bình An" and theirs.unit == world.commune_b
    assert DossierAlias.objects.get(code="000.00.07.H90-261124-0001").dossier == theirs
    assert dossier_find_by_code(code=theirs.receipt_code) == theirs  # the public lookup: the earlier dossier

    again = post(dossier_body("MC-3", receipt_code="H90.90001-261124-7777"))  # its own unit's code
    assert again.status_code == 409 and "duplicate_code" in again.content.decode()
    assert Dossier.objects.filter(receipt_code="H90.90001-261124-7777").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_for_one_code_in_one_unit_get_one_dossier(transactional_world):
    procedure = make_procedures().birth
    agency = Agency.objects.get(code="H90.90001")
    barrier, outcomes = threading.Barrier(4), []

    def receive(n):
        try:
            barrier.wait()
            dossier_receive(
                actor=None,
                procedure=procedure,
                receiving_agency=agency,
                applicant_name=f"Người thứ {n}",
                receipt_code="H90.90001-261124-0042",
            )
            outcomes.append("created")
        except Exception as exc:
            outcomes.append(getattr(exc, "code", repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=receive, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "duplicate_code", "duplicate_code", "duplicate_code"], outcomes
    assert Dossier.objects.filter(receipt_code="H90.90001-261124-0042").count() == 1
