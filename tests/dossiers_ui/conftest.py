"""Fixtures for the dossier pages: the demo procedure catalog, a dossier taken in at commune A's desk, a clean
rate-limit cache."""

import pytest

from django.core.cache import cache

from ketnoi.dossiers.desk import desk_of, dossier_receive_at_desk
from ketnoi.procedures.demo import seed as seed_procedures
from ketnoi.procedures.models import Procedure


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def catalog(world):
    seed_procedures()
    return {p.code: p for p in Procedure.objects.all()}


def take_in(world, procedure, **kwargs):
    values = {
        "applicant_name": "Nguyễn Thị Hoà",
        "applicant_phone": "0912 345 678",
        "applicant_id_number": "001203004567",
        "applicant_address": "12 Lê Lợi, Tổ dân phố 1",
        "documents_received": [d["name"] for d in procedure.documents],
    }
    values.update(kwargs)
    return dossier_receive_at_desk(actor=world.desk_a, membership=desk_of(world.desk_a), procedure=procedure, **values)


@pytest.fixture
def dossier(world, catalog):
    """A 5-working-day birth re-registration at Phường Đông Hòa, desk Q01."""
    return take_in(world, catalog["1.004884"])
