"""The public registry lookup: typed without diacritics, it finds the establishment and states the validity."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ketnoi.registries.models import RegistryEntry, RegistryKind
from ketnoi.registries.selectors import registry_search
from tests.registries.test_import import ROWS, csv_bytes


def _entry(unit, name, address, number, valid_to, **extra):
    return RegistryEntry.objects.create(
        kind=RegistryKind.FOOD_SAFETY,
        name=name,
        address=address,
        unit=unit,
        certificate_number=number,
        issuing_agency="Sở Y tế",
        valid_from=dt.date(2023, 1, 1),
        valid_to=valid_to,
        **extra,
    )


def test_search_ignores_case_accents_and_tone_placement(world):
    _entry(world.commune_a, "Bếp ăn Hoà Bình", "12 Lê Lợi", "A-1", dt.date(2099, 1, 1))
    _entry(world.commune_b, "Quán phở Đức", "Thôn Đông", "A-2", dt.date(2099, 1, 1))
    assert [e.certificate_number for e in registry_search(query="bep an hoa binh")] == ["A-1"]
    assert [e.certificate_number for e in registry_search(query="HÒA")] == ["A-1"]
    assert [e.certificate_number for e in registry_search(query="le loi")] == ["A-1"]  # by address
    assert [e.certificate_number for e in registry_search(query="pho duc thon dong")] == ["A-2"]
    assert registry_search(query="x") == []
    assert registry_search(query="bep", kind=RegistryKind.OTHER) == []


def test_portal_answers_a_lookup_typed_without_diacritics_and_flags_expiry(world, client):
    client.cookies["django_language"] = "en"
    _entry(world.commune_a, "Bếp ăn Hòa Bình", "12 Lê Lợi", "VALID-1", dt.date(2099, 12, 31))
    _entry(world.commune_a, "Bếp ăn Hòa Bình 2", "14 Lê Lợi", "OLD-2", dt.date(2024, 12, 31))
    response = client.get(reverse("portal:registry_food_safety"), {"q": "bep an hoa binh"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "VALID-1" in body and "OLD-2" in body and "31/12/2099" in body
    assert 'data-validity="valid"' in body and 'data-validity="expired"' in body
    assert "Expired" in body
    empty = client.get(reverse("portal:registry_food_safety"), {"q": "khong co dau"}).content.decode()
    assert "No establishment matches" in empty


def test_console_list_and_import_page(world, client):
    _entry(world.commune_a, "Cơ sở A", "", "CA-1", None)
    _entry(world.commune_b, "Cơ sở B", "", "CB-1", None)
    client.force_login(world.unit_admin_a)
    body = client.get(reverse("console:registry_list"), {"q": "co so"}).content.decode()
    assert "CA-1" in body and "CB-1" not in body
    upload = SimpleUploadedFile("attp.csv", csv_bytes(ROWS[:1]), content_type="text/csv")
    response = client.post(reverse("console:registry_import"), {"kind": "food_safety", "file": upload})
    assert response.status_code == 200
    assert RegistryEntry.objects.filter(certificate_number="01/2025/ATTP").exists()
    client.force_login(world.desk_a)
    assert client.get(reverse("console:registry_list")).status_code == 403
