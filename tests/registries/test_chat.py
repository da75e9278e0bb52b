"""Certified establishments in the chat, over the sandbox: a lookup typed without diacritics answers with the
certificate and its validity, and an expired certificate is flagged."""

import datetime as dt

import pytest

from ketnoi.registries.models import RegistryEntry, RegistryKind
from tests.conversations.conftest import buttons, texts


@pytest.fixture
def registry(oa):
    world = oa.world
    common = {"kind": RegistryKind.FOOD_SAFETY, "issuing_agency": "Sở Y tế", "valid_from": dt.date(2023, 1, 1)}
    RegistryEntry.objects.create(name="Bếp ăn Hòa Bình", address="12 Lê Lợi, Phường Đông Hòa", unit=world.commune_a,
                                 certificate_number="015/2025/ATTP", valid_to=dt.date(2099, 12, 31), **common)  # fmt: skip
    RegistryEntry.objects.create(name="Quán phở Đức Thành", address="Thôn Đông, Xã Bình An", unit=world.commune_b,
                                 certificate_number="007/2022/ATTP", valid_to=dt.date(2025, 3, 1), **common)  # fmt: skip


def test_registry_lookup_without_diacritics_in_the_chat(oa, registry, new_phone):
    phone = new_phone()
    phone.follow()
    shown = texts(phone.say("attp bep an hoa binh"))
    assert "Bếp ăn Hòa Bình" in shown and "015/2025/ATTP" in shown and "31/12/2099" in shown
    assert "Quán phở" not in shown
    # through the menu entry, then the name; an expired certificate is flagged
    shown = phone.tap("#registry")
    assert "name or address" in texts(shown) or "tên hoặc địa chỉ" in texts(shown)
    shown = phone.say("quan pho duc thanh")
    body = texts(shown)
    assert "007/2022/ATTP" in body and "⚠️" in body and "01/03/2025" in body
    assert any("/co-so-attp/" in (url or "") for url in buttons(shown).values())
    # free text at the menu naming an address finds it too
    assert "Bếp ăn Hòa Bình" in texts(phone.say("le loi dong hoa"))


def test_the_best_match_comes_first_and_a_valid_certificate_before_an_expired_one(oa, new_phone):
    """Issue 15.7: "quan pho" ranked an expired "Quán cơm" in "Tổ dân phố 2" first (alphabetical order)."""
    world = oa.world
    common = {"kind": RegistryKind.FOOD_SAFETY, "unit": world.commune_a, "valid_from": dt.date(2023, 1, 1)}
    RegistryEntry.objects.create(name="Quán cơm An Khang", address="3 Lê Lợi, Tổ dân phố 2, Phường Đông Hòa",
                                 certificate_number="001/2022/ATTP", valid_to=dt.date(2025, 1, 1), **common)  # fmt: skip
    RegistryEntry.objects.create(name="Quán phở An Bình", address="8 Hùng Vương, Phường Đông Hòa",
                                 certificate_number="002/2022/ATTP", valid_to=dt.date(2025, 1, 1), **common)  # fmt: skip
    RegistryEntry.objects.create(name="Quán phở Bà Tư", address="9 Hùng Vương, Phường Đông Hòa",
                                 certificate_number="003/2025/ATTP", valid_to=dt.date(2099, 1, 1), **common)  # fmt: skip
    from ketnoi.registries.selectors import registry_search

    found = [e.name for e in registry_search(query="quan pho")]
    assert found == ["Quán phở Bà Tư", "Quán phở An Bình", "Quán cơm An Khang"]
    phone = new_phone()
    phone.follow()
    shown = texts(phone.say("attp quan pho"))
    assert shown.index("Quán phở Bà Tư") < shown.index("Quán phở An Bình") < shown.index("Quán cơm An Khang")
