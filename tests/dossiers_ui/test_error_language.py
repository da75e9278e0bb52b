"""A refused dossier action is explained in the official's language: Vietnamese by default, English by switch."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from ketnoi.dossiers.models import Dossier


def _apology(client, dossier):
    new_date = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    return client.post(
        reverse("console:dossier_act", args=[dossier.uuid, "apology"]),
        {"apology-new_due_date": new_date, "apology-reason": "Cần xác minh thêm"},
    )


def test_an_apology_for_a_dossier_not_at_risk_is_refused_in_vietnamese(world, dossier, client):
    client.force_login(world.processor_a)
    response = _apology(client, dossier)
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Hồ sơ {dossier.receipt_code} chưa có nguy cơ trễ hạn" in html
    assert "is not at risk" not in html
    assert Dossier.objects.get(pk=dossier.pk).apology_issued_at is None


def test_the_same_refusal_is_in_english_with_the_language_switch(world, dossier, client):
    client.cookies["django_language"] = "en"
    client.force_login(world.processor_a)
    html = _apology(client, dossier).content.decode()
    assert f"Dossier {dossier.receipt_code} is not at risk" in html
    assert "nguy cơ" not in html
