"""Uploads judged by their bytes (issue 14 item 5, issue 15 item 3): a page with <script> declared as image/png is
refused; a PNG named "anh.jpg" is kept as a PNG; photos are re-encoded (what trails the image and the EXIF do not
survive); files have no public URL and are served only to the officials who may see their petition or dossier."""

import io
import re

import pytest
from PIL import Image

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ketnoi.core.errors import ApplicationError
from ketnoi.core.uploads import check_file
from ketnoi.dossiers.models import DossierAttachment
from ketnoi.dossiers.services import dossier_attach_supplement
from ketnoi.dossiers.tokens import dossier_token
from ketnoi.petitions.demo_config import seed_config
from ketnoi.petitions.models import Petition, PetitionAttachment
from tests.dossiers_ui.conftest import take_in
from tests.files import PDF, jpeg, png

EVIL_HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def jpeg_with_gps_and_a_tail() -> bytes:
    image = Image.new("RGB", (40, 30), (10, 120, 200))
    exif = Image.Exif()
    exif[0x8825] = {2: (21.0, 2.0, 0.0), 4: (105.0, 51.0, 0.0)}  # GPS: where the citizen lives
    exif[0x010F] = "SecretPhoneMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue() + EVIL_HTML  # a polyglot: a JPEG with a page after its end


def test_bytes_decide_the_type_and_images_are_re_encoded():
    with pytest.raises(ApplicationError) as refused:
        check_file(EVIL_HTML, name="evil.html")
    assert refused.value.code == "invalid_file_type"
    with pytest.raises(ApplicationError):
        check_file(b"\x89PNG\r\n\x1a\n" + b"0" * 64, name="broken.png")  # a PNG header on garbage
    with pytest.raises(ApplicationError):
        check_file(b"%PDF-1.4 <script>", name="x.pdf")  # no PDF body
    as_png = check_file(png(), name="../../Ảnh CCCD.jpg")
    assert (as_png.content_type, as_png.name) == ("image/png", "Ảnh-CCCD.png")
    cleaned = check_file(jpeg_with_gps_and_a_tail(), name="anh.jpg")
    assert cleaned.content_type == "image/jpeg" and b"<script" not in cleaned.content
    assert b"SecretPhoneMaker" not in cleaned.content
    assert not Image.open(io.BytesIO(cleaned.content)).getexif()
    assert check_file(PDF, name="to-khai").name == "to-khai.pdf"


@pytest.fixture
def petition_form(world, client):
    seed_config()
    form = client.get("/phan-anh/gui/").content.decode()
    category = re.search(r'<option value="([0-9a-f-]{36})">', form).group(1)
    return {
        "petitioner_type": "citizen",
        "name": "Lê Thị Hạnh",
        "category": category,
        "area": str(world.province.uuid),
        "subject": "Ổ gà",
        "text": "Ổ gà lớn trước chợ, xe máy ngã nhiều lần.",
        "consent_to_publish": "on",
    }


def test_portal_refuses_html_declared_as_a_png_and_keeps_nothing(petition_form, client):
    evil = SimpleUploadedFile("evil.html", EVIL_HTML, content_type="image/png")
    response = client.post("/phan-anh/gui/", {**petition_form, "photos": [evil]})
    assert response.status_code == 200 and not Petition.objects.exists() and not PetitionAttachment.objects.exists()


def test_petition_photos_are_private_and_served_to_scoped_officials_only(world, petition_form, client):
    photo = SimpleUploadedFile("anh.jpg", png(), content_type="image/jpeg")  # a PNG under a JPEG name
    assert client.post("/phan-anh/gui/", {**petition_form, "photos": [photo]}).status_code == 302
    attachment = PetitionAttachment.objects.get()
    assert (attachment.content_type, attachment.name) == ("image/png", "anh.png")
    assert attachment.file.name.endswith(".png")
    with pytest.raises(ValueError):
        attachment.file.url  # noqa: B018 (no public URL exists)
    assert client.get(f"/media/{attachment.file.name}").status_code == 404

    url = reverse("console:petition_attachment", args=[attachment.petition.uuid, attachment.uuid])
    assert client.get(url).status_code == 302  # signed out: to the login page
    petition = attachment.petition
    client.force_login(world.admin)  # the province's administrator: the petition is in scope
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff" and served["Content-Disposition"].startswith("inline")
    assert b"".join(served.streaming_content) == attachment.file.open("rb").read()
    detail = client.get(reverse("console:petition_detail", args=[petition.uuid])).content.decode()
    assert url in detail
    client.force_login(world.desk_b)  # another commune
    assert client.get(url).status_code == 404


def test_supplement_documents_keep_their_real_type_and_are_served_to_scoped_officials(world, catalog, client):
    dossier = take_in(world, catalog["1.004884"])
    token = dossier_token(dossier)
    evil = SimpleUploadedFile("cccd.png", EVIL_HTML, content_type="image/png")
    refused = client.post(reverse("portal:lookup_attach", args=[token]), {"name": "CCCD", "file": evil})
    assert refused.status_code == 400 and not DossierAttachment.objects.exists()
    photo = SimpleUploadedFile("anh.jpg", png(), content_type="image/jpeg")
    assert client.post(reverse("portal:lookup_attach", args=[token]), {"name": "", "file": photo}).status_code == 302
    chat = dossier_attach_supplement(dossier=dossier, file=ContentFile(jpeg(), name="anh.png"), name="Tờ khai.png")
    sent = DossierAttachment.objects.order_by("uploaded_at", "id").first()
    assert (sent.content_type, sent.name) == ("image/png", "anh.png")
    assert (chat.content_type, chat.name) == ("image/jpeg", "Tờ khai.jpg")

    url = reverse("console:dossier_attachment", args=[dossier.uuid, sent.uuid])
    client.force_login(world.processor_a)
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Frame-Options"] == "SAMEORIGIN"  # previewed in a frame of the dossier page, nowhere else
    page = client.get(reverse("console:dossier_detail", args=[dossier.uuid])).content.decode()
    assert f'src="{url}"' in page
    client.force_login(world.desk_b)
    assert client.get(url).status_code == 404
    other = reverse("console:dossier_attachment", args=[dossier.uuid, chat.uuid])
    assert client.get(other).status_code == 404


def test_web_chat_uploads_are_judged_by_their_bytes(world):
    from ketnoi.channels.types.webchat.type import _store_upload

    class Channel:
        uuid = __import__("uuid").uuid4()

    evil = _store_upload(Channel, "v1", SimpleUploadedFile("a.png", EVIL_HTML, content_type="image/png"))
    assert evil["type"] == "unsupported" and evil["url"] == ""
    kept = _store_upload(Channel, "v1", SimpleUploadedFile("giay.jpg", png(), content_type="image/jpeg"))
    assert kept["type"] == "image" and kept["name"] == "giay.png" and kept["url"].endswith(".png")
