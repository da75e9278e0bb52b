"""The public procedure catalog: search without accents, details, and a QR code that opens the page."""

import re

import pypdfium2
import pytest
import weasyprint
import zxingcpp

from ketnoi.procedures.demo import seed as seed_demo_procedures


@pytest.fixture
def catalog(world):
    seed_demo_procedures()
    return world


def test_list_by_field_and_search(client, catalog):
    page = client.get("/thu-tuc/").content.decode()
    assert "Hộ tịch" in page and "Đăng ký khai sinh" in page and 'href="/thu-tuc/2.000488/"' in page
    found = client.get("/thu-tuc/", {"q": "cap lai giay khai sinh"}).content.decode()
    assert found.index("/thu-tuc/1.004884/") < found.index("/thu-tuc/1.001193/")
    assert "Lý lịch tư pháp" not in found.split("<h2>", 1)[1]
    by_field = client.get("/thu-tuc/", {"field": "Chứng thực"}).content.decode()
    assert "/thu-tuc/2.000884/" in by_field and "/thu-tuc/1.001193/" not in by_field
    assert client.get("/").content.decode().count('href="/thu-tuc/"') == 1  # the portal home links to it


def test_detail_page(client, catalog, settings):
    page = client.get("/thu-tuc/2.000488/").content.decode()
    for text in ("Cấp phiếu lý lịch tư pháp cho công dân Việt Nam", "Sở Tư pháp", "Tờ khai yêu cầu cấp Phiếu"):
        assert text in page
    assert "200.000 đ" in page and "Luật Lý lịch tư pháp 2009" in page
    assert client.get("/thu-tuc/9.999999/").status_code == 404
    assert client.post("/thu-tuc/2.000488/").status_code == 405


def test_inactive_procedures_are_not_published(client, catalog):
    from ketnoi.procedures.models import Procedure

    Procedure.objects.filter(code="2.000488").update(is_active=False)
    assert client.get("/thu-tuc/2.000488/").status_code == 404
    assert "2.000488" not in client.get("/thu-tuc/").content.decode()


def decode_inline_qr(html: str) -> list[str]:
    """Render the page's inline SVG as a printer would (WeasyPrint -> PDF -> bitmap) and read it with ZXing."""
    svg = re.search(r"<svg[^>]*class=\"qr\".*?</svg>", html, re.S).group(0)
    pdf = weasyprint.HTML(string=f"<html><body>{svg}</body></html>").write_pdf()
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=3).to_pil()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def test_qr_code_opens_the_procedure_page(client, catalog, settings):
    settings.PUBLIC_BASE_URL = "https://dichvucong.binhson.example"
    html = client.get("/thu-tuc/1.001193/").content.decode()
    assert decode_inline_qr(html) == ["https://dichvucong.binhson.example/thu-tuc/1.001193/"]
    other = client.get("/thu-tuc/2.000488/").content.decode()
    assert decode_inline_qr(other) == ["https://dichvucong.binhson.example/thu-tuc/2.000488/"]


def test_large_catalog_lists_fields_first(client, catalog, monkeypatch):
    from ketnoi.portal import views_procedures

    monkeypatch.setattr(views_procedures, "FULL_LIST_LIMIT", 10)
    page = client.get("/thu-tuc/").content.decode()
    assert "/thu-tuc/1.001193/" not in page and "?field=H%E1%BB%99%20t%E1%BB%8Bch" in page
    assert "/thu-tuc/1.001193/" in client.get("/thu-tuc/", {"field": "Hộ tịch"}).content.decode()
