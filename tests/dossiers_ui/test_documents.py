"""The receipt PDF carries a QR that opens this dossier's lookup page with a valid token; the poster follows the OA."""

import io

import pypdfium2
import pytest
import zxingcpp

from django.conf import settings
from django.urls import reverse

from ketnoi.channels.models import Channel
from ketnoi.console.documents.pdf import RemoteFetchRefused, check_local_url
from ketnoi.dossiers.tokens import dossier_from_token, lookup_url


def decode_qr(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    try:
        image = document[0].render(scale=3).to_pil()
        return [barcode.text for barcode in zxingcpp.read_barcodes(image)]
    finally:
        document.close()


def page_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    try:
        return document[0].get_textpage().get_text_range()
    finally:
        document.close()


def test_receipt_qr_opens_the_dossier_lookup(world, dossier, client):
    client.force_login(world.desk_a)
    response = client.get(reverse("console:dossier_receipt", args=[dossier.uuid]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    codes = decode_qr(pdf)
    assert codes == [lookup_url(dossier)]
    token = codes[0].rstrip("/").rsplit("/", 1)[-1]
    assert dossier_from_token(token) == dossier
    text = page_text(pdf)
    assert dossier.receipt_code in text
    assert "Nguyễn Thị Hoà" in text and "********4567" in text and "001203004567" not in text
    assert dossier.due_date.strftime("%d/%m/%Y") in text and "Lê Minh Tâm" in text


def test_desk_poster_follows_the_nearest_zalo_oa(world, client):
    client.force_login(world.desk_a)
    desk = world.desk_a.memberships.get().desk
    url = reverse("console:desk_poster", args=[desk.uuid])
    assert decode_qr(client.get(url).content) == [settings.PUBLIC_BASE_URL + "/"]  # no OA: the portal
    Channel.objects.create(unit=world.province, type_code="zalo", name="Bình Sơn OA", external_id="4321098765")
    assert decode_qr(client.get(url).content) == ["https://zalo.me/4321098765"]


@pytest.mark.parametrize("url", ["http://example.com/a.png", "https://x.invalid/f.ttf", "file:///etc/passwd"])
def test_documents_never_fetch_anything_but_local_fonts(url):
    with pytest.raises(RemoteFetchRefused):
        check_local_url(url)
    assert check_local_url("data:image/png;base64,AAAA") is None
