"""Fixtures for dossier tests: procedures of the demo province and a helper that takes a dossier in at desk Q01."""

from types import SimpleNamespace

import pytest

from ketnoi.dossiers.services import dossier_receive
from ketnoi.orgs.models import Agency, Desk
from ketnoi.procedures.models import Procedure


def make_procedures() -> SimpleNamespace:
    ubnd_a = Agency.objects.get(code="UB.90001")
    justice = Agency.objects.get(code="H90.12")
    birth, _ = Procedure.objects.get_or_create(
        code="1.001193",
        defaults={"name": "Đăng ký khai sinh", "processing_days": 3, "agency": ubnd_a, "field": "Hộ tịch"},
    )
    marriage, _ = Procedure.objects.get_or_create(
        code="1.000894",
        defaults={
            "name": "Đăng ký kết hôn",
            "processing_days": 5,
            "agency": ubnd_a,
            "allows_postal_return": False,
            "allows_authorization": False,
        },
    )
    record, _ = Procedure.objects.get_or_create(
        code="2.000488",
        defaults={"name": "Cấp Phiếu lý lịch tư pháp", "processing_days": 10, "agency": justice},
    )
    return SimpleNamespace(birth=birth, marriage=marriage, record=record)


@pytest.fixture
def procedures(world) -> SimpleNamespace:
    return make_procedures()


@pytest.fixture
def desk_a(world):
    agency = Agency.objects.get(code="H90.90001")
    return SimpleNamespace(agency=agency, desk=Desk.objects.get(agency=agency, code="Q01"))


@pytest.fixture
def receive(world, procedures, desk_a):
    """Take a dossier in at commune A's desk Q01, as its desk officer."""

    def _receive(procedure=None, **kwargs):
        values = {
            "actor": world.desk_a,
            "procedure": procedure or procedures.birth,
            "receiving_agency": desk_a.agency,
            "desk": desk_a.desk,
            "applicant_name": "Nguyễn Thị Mai",
            "applicant_phone": "0912 345 678",
            "applicant_id_number": "001203004567",
            "applicant_address": "12 Lê Lợi, Tổ dân phố 1, Phường Đông Hòa",
        }
        values.update(kwargs)
        return dossier_receive(**values)

    return _receive
