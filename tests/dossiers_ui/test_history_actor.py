"""Histories name who acted in the reader's language: a citizen's or a job's step is never shown as the raw
label the service stored ("citizen", "system", "petitioner")."""

import pytest

from django.urls import reverse

from ketnoi.dossiers.services import dossier_register_postal
from tests.petitions.conftest import build_petition_world, file_petition

from .conftest import take_in


@pytest.mark.parametrize(("language", "expected", "raw"), [("vi", "công dân", "· citizen<"), ("en", "citizen", None)])
def test_a_citizens_step_in_a_dossiers_history_is_named_in_the_readers_language(
    world, catalog, client, language, expected, raw
):
    dossier = take_in(world, catalog["1.004884"])
    dossier_register_postal(actor=None, dossier=dossier, address="12 Lê Lợi, Tổ dân phố 1, Phường Đông Hòa")
    client.cookies["django_language"] = language
    client.force_login(world.processor_a)
    html = client.get(reverse("console:dossier_detail", args=[dossier.uuid])).content.decode()
    assert f"· {expected}</span>" in html
    if raw:
        assert raw not in html and "· citizen</span>" not in html


def test_a_petitioners_and_the_systems_steps_are_named_in_vietnamese(db, client):
    pw = build_petition_world()
    petition = file_petition(pw)
    client.cookies["django_language"] = "vi"
    client.force_login(pw.processor_a)
    html = client.get(f"/console/petitions/{petition.uuid}/").content.decode()
    assert "· người phản ánh</span>" in html or "· hệ thống</span>" in html
    assert "· petitioner</span>" not in html and "· system</span>" not in html
