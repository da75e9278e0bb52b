"""The notice template editor: save per unit and language, live preview as the citizen reads it."""

from django.urls import reverse

from ketnoi.dossiers.notifications import template_text


def test_unit_admin_edits_and_previews_a_notice(world, dossier, client):
    client.force_login(world.unit_admin_a)
    url = reverse("console:template_edit", args=[world.commune_a.uuid, "received", "vi"])
    assert client.get(url).status_code == 200
    preview = client.post(
        reverse("console:template_preview", args=[world.commune_a.uuid]),
        {"text": "Hồ sơ {receipt_code} hẹn {due_date} {nope}", "language": "vi"},
    ).content.decode()
    assert f"Hồ sơ {dossier.receipt_code} hẹn {dossier.due_date:%d/%m/%Y}" in preview
    assert "{nope}" in preview and "nope" in preview.split('class="bubble"')[0]  # unknown placeholder flagged

    bad = client.post(url, {"text": "Hồ sơ {unknown}"})
    assert (
        bad.status_code == 200
        and template_text(unit=world.commune_a, kind="received", language="vi") != "Hồ sơ {unknown}"
    )
    assert client.post(url, {"text": "Đã nhận hồ sơ {receipt_code}."}).status_code == 302
    assert template_text(unit=world.commune_a, kind="received", language="vi") == "Đã nhận hồ sơ {receipt_code}."
    listing = client.get(reverse("console:template_list")).content.decode()
    assert "Đã nhận hồ sơ {receipt_code}." in listing


def test_desk_officer_cannot_edit_templates(world, client):
    client.force_login(world.desk_a)
    assert client.get(reverse("console:template_list")).status_code == 403
