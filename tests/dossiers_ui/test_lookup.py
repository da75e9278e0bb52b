"""Public lookup: masked by code, full by QR token or phone digits; citizens' actions; enumeration refused."""

from django.urls import reverse

from ketnoi.dossiers.tokens import dossier_token


def test_lookup_by_code_is_tolerant_and_masked(world, dossier, client):
    code = dossier.receipt_code  # e.g. H90.90001-261124-0001
    for typed in (code, code.lower(), code.replace("-", " "), code.replace("-", "").replace(".", "")):
        html = client.get(reverse("portal:lookup"), {"code": typed}).content.decode()
        assert f'id="lookup-code">{code}<' in html, typed
    for secret in ("Nguyễn Thị Hoà", "0912", "345 678", "12 Lê Lợi", "4567"):
        assert secret not in html
    assert dossier.due_date.strftime("%d/%m/%Y") in html


def test_unknown_code_says_so(world, dossier, client):
    html = client.get(reverse("portal:lookup"), {"code": "H90.90001-991231-9999"}).content.decode()
    assert 'id="lookup-not-found"' in html


def test_token_view_shows_the_full_dossier_and_actions(world, dossier, client):
    html = client.get(reverse("portal:lookup_token", args=[dossier_token(dossier)])).content.decode()
    assert "Nguyễn Thị Hoà" in html and 'id="postal-form"' in html and 'id="authorize-form"' in html
    assert client.get(reverse("portal:lookup_token", args=["forged." + "x" * 43])).status_code == 404


def test_second_factor_opens_the_full_view(world, dossier, client):
    url = reverse("portal:lookup_verify")
    wrong = client.post(url, {"code": dossier.receipt_code.lower(), "phone_digits": "0000"})
    assert wrong.status_code == 302 and dossier_token(dossier) not in wrong["Location"]
    right = client.post(url, {"code": dossier.receipt_code.lower(), "phone_digits": "5678"})
    assert right["Location"] == reverse("portal:lookup_token", args=[dossier_token(dossier)])


def test_wrong_second_factors_are_limited(world, dossier, client):
    url = reverse("portal:lookup_verify")
    for digits in ("0001", "0002", "0003", "0004", "0005"):
        assert client.post(url, {"code": dossier.receipt_code, "phone_digits": digits}).status_code == 302
    assert client.post(url, {"code": dossier.receipt_code, "phone_digits": "5678"}).status_code == 429


def test_enumerating_codes_gets_429(world, dossier, client):
    for n in range(10):
        response = client.get(reverse("portal:lookup"), {"code": f"H90.90001-261124-{n:04d}"})
        assert response.status_code == 200
    response = client.get(reverse("portal:lookup"), {"code": dossier.receipt_code})
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert 'id="too-many"' in response.content.decode()
    # another client address is not affected
    assert (
        client.get(reverse("portal:lookup"), {"code": dossier.receipt_code}, REMOTE_ADDR="10.0.0.9").status_code == 200
    )


def test_citizen_registers_postal_delivery_and_authorizes_a_collector(world, dossier, client):
    token = dossier_token(dossier)
    bad = client.post(reverse("portal:lookup_authorize", args=[token]), {"name": "Lê Văn Tư", "id_number": "12"})
    assert bad.status_code == 400 and 'class="errorlist"' in bad.content.decode()
    assert 'value="Lê Văn Tư"' in bad.content.decode()  # what was typed is kept
    assert (
        client.post(reverse("portal:lookup_postal", args=[token]), {"address": "99 Hai Bà Trưng, Đông Hòa"}).status_code
        == 302
    )
    ok = client.post(
        reverse("portal:lookup_authorize", args=[token]),
        {"name": "Lê Văn Tư", "id_number": "079203001234", "phone": ""},
    )
    assert ok.status_code == 302
    dossier.refresh_from_db()
    assert dossier.postal_address.startswith("99 Hai Bà Trưng") and dossier.authorized_id_masked == "********1234"
    assert dossier.events.filter(kind="postal", source="citizen").exists()


def test_citizen_rates_after_return(world, dossier, client):
    from ketnoi.dossiers.services import dossier_result_ready, dossier_return_result

    dossier_result_ready(actor=world.desk_a, dossier=dossier, source="desk")
    dossier_return_result(actor=world.desk_a, dossier=dossier)
    token = dossier_token(dossier)
    html = client.get(reverse("portal:lookup_token", args=[token])).content.decode()
    assert 'id="rating-form"' in html
    response = client.post(
        reverse("portal:lookup_rate", args=[token]), {"method": "quick", "stars": "5", "comment": "Nhanh"}
    )
    assert response.status_code == 302
    rating = dossier.ratings.get()
    assert rating.stars == 5 and rating.officer == world.desk_a


def test_citizen_sends_a_missing_document_and_the_officer_accepts_it(world, dossier, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ketnoi.dossiers.services import dossier_request_supplement

    dossier_request_supplement(actor=world.desk_a, dossier=dossier, missing=["Bản sao CCCD"], source="desk")
    token = dossier_token(dossier)
    html = client.get(reverse("portal:lookup_token", args=[token])).content.decode()
    assert 'id="attach-form"' in html and "Bản sao CCCD" in html
    from tests.files import png

    upload = SimpleUploadedFile("cccd.png", png(), content_type="image/png")
    response = client.post(reverse("portal:lookup_attach", args=[token]), {"name": "CCCD", "file": upload})
    assert response.status_code == 302
    attachment = dossier.attachments.get()
    assert attachment.status == "pending" and attachment.source == "citizen"

    client.force_login(world.processor_a)
    detail = client.get(reverse("console:dossier_detail", args=[dossier.uuid])).content.decode()
    assert str(attachment.uuid) in detail
    response = client.post(
        reverse("console:dossier_act", args=[dossier.uuid, "review"]),
        {"attachment": str(attachment.uuid), "decision": "accept", "note": ""},
    )
    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.status == "accepted" and attachment.reviewed_by == world.processor_a


def test_electronic_result_is_downloaded_behind_the_token_only(world, dossier, client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ketnoi.dossiers.services import dossier_result_ready

    settings.MEDIA_ROOT = tmp_path
    from tests.files import PDF

    signed = SimpleUploadedFile("ket-qua.pdf", PDF, content_type="application/pdf")
    dossier_result_ready(actor=world.desk_a, dossier=dossier, result_file=signed, source="desk")
    token = dossier_token(dossier)
    assert 'id="result-download"' in client.get(reverse("portal:lookup_token", args=[token])).content.decode()
    by_code = client.get(reverse("portal:lookup"), {"code": dossier.receipt_code}).content.decode()
    assert "result-download" not in by_code and "Quầy" in by_code  # where to collect, no file
    response = client.get(reverse("portal:lookup_result", args=[token]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF


def test_the_postal_fee_is_written_with_thousands_grouped(world, dossier, client):
    """ "32.000 đ" as the chat writes it, not "32000 đ"."""
    from ketnoi.dossiers.services import postal_fee_for

    fee = postal_fee_for(dossier)
    assert fee >= 1000
    client.cookies["django_language"] = "vi"
    html = client.get(reverse("portal:lookup_token", args=[dossier_token(dossier)])).content.decode()
    assert f"{fee:,} đ".replace(",", ".") in html and f"{fee} đ" not in html
