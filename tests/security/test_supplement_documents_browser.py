"""In Chromium (issue 15 item 3): a citizen sends the missing documents from the portal page behind the receipt's
token (a PNG named "anh.jpg" and a PDF); the officer opens the dossier, sees each document previewed inline beside
its Accept/Reject, rejects the photo with a reason and accepts the PDF; the citizen's page shows both decisions.
The files are private: signed out, or as another commune's official, they are not served. No page breaks the
Content-Security-Policy."""

import pytest
from playwright.sync_api import expect

from ketnoi.dossiers.models import DossierAttachment
from ketnoi.dossiers.services import dossier_request_supplement, dossier_transition
from ketnoi.dossiers.tokens import dossier_token
from ketnoi.procedures.demo import seed as seed_procedures
from ketnoi.procedures.models import Procedure
from tests.dossiers_ui.conftest import take_in
from tests.dossiers_ui.test_browser import sign_in
from tests.files import PDF, png

pytestmark = pytest.mark.browser


def csp_violations(page) -> list[str]:
    found = []
    page.on(
        "console", lambda message: found.append(message.text) if "Content Security Policy" in message.text else None
    )
    return found


def test_citizen_sends_documents_and_the_officer_reviews_them_in_view(live_server, transactional_world, page, tmp_path):
    seed_procedures()
    world, base = transactional_world, live_server.url
    dossier = take_in(world, Procedure.objects.get(code="1.004884"))
    dossier_transition(actor=world.processor_a, dossier=dossier, to_state="processing")
    dossier_request_supplement(actor=world.processor_a, dossier=dossier, missing=["Bản sao CCCD", "Tờ khai"])
    violations = csp_violations(page)

    photo, form = tmp_path / "anh.jpg", tmp_path / "to-khai.pdf"
    photo.write_bytes(png())  # a PNG under a JPEG name, as phones send them
    form.write_bytes(PDF)
    token = dossier_token(dossier)
    for path, name in ((photo, "Bản sao CCCD"), (form, "Tờ khai")):
        page.goto(f"{base}/tra-cuu/{token}/")
        page.fill("#attach-form input[name=name]", name)
        page.set_input_files("#attach-form input[type=file]", str(path))
        page.click("#attach-form button[type=submit]")
        expect(page.locator("#attachments")).to_contain_text(name)
    stored = {a.name: a for a in DossierAttachment.objects.filter(dossier=dossier)}
    assert {a.content_type for a in stored.values()} == {"image/png", "application/pdf"}
    assert stored["Bản sao CCCD"].file.name.endswith(".png") and stored["Tờ khai"].file.name.endswith(".pdf")

    sign_in(page, base, "xuly.donghoa", world.password)
    page.goto(f"{base}/console/dossiers/{dossier.uuid}/")
    photo_card = page.locator(f"#attachment-{stored['Bản sao CCCD'].uuid}")
    pdf_card = page.locator(f"#attachment-{stored['Tờ khai'].uuid}")
    image = photo_card.locator("img.attachment-preview")
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth === 48", arg=image.element_handle())
    frame = pdf_card.locator("iframe.attachment-preview")
    expect(frame).to_be_visible()
    answer = page.request.get(base + frame.get_attribute("src"))
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.headers["x-content-type-options"] == "nosniff" and answer.body() == PDF
    expect(photo_card).to_contain_text("PNG")

    photo_card.locator("input[name=note]").fill("Ảnh bị mờ, chụp lại rõ số CCCD")
    photo_card.get_by_role("button", name="Từ chối").click()
    expect(photo_card).to_have_attribute("data-status", "rejected")
    expect(photo_card).to_contain_text("Ảnh bị mờ")
    expect(photo_card.locator("img.attachment-preview")).to_be_visible()  # still in view after the decision
    pdf_card.get_by_role("button", name="Chấp nhận").click()
    expect(pdf_card).to_have_attribute("data-status", "accepted")
    assert violations == [], violations

    file_url = base + image.get_attribute("src")
    page.context.clear_cookies()
    assert page.request.get(file_url, max_redirects=0).status == 302  # to the login page
    sign_in(page, base, "tiepnhan.binhan", world.password)  # another commune's official
    assert page.request.get(file_url).status == 404
    page.goto(f"{base}/tra-cuu/{token}/")
    expect(page.locator("#attachments")).to_contain_text("Ảnh bị mờ")
