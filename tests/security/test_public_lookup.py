"""A guessed receipt code (codes are sequential) shows the state and its dates only: never the supplement text (it
can hold a name or an ID number), where to collect, or the applicant's name, on the portal and in the chat alike.
The QR token or the code plus the phone digits opens the full view."""

from django.urls import reverse

from ketnoi.dossiers.services import dossier_request_supplement, dossier_transition
from ketnoi.dossiers.tokens import dossier_token
from tests.dossiers_ui.conftest import take_in

SECRET_ITEM = "Giấy ủy quyền của bà Trần Thị Bưởi, CCCD 001203998877"


def supplement_requested(world, catalog):
    dossier = take_in(world, catalog["1.004884"])
    dossier_transition(actor=world.processor_a, dossier=dossier, to_state="processing")
    return dossier_request_supplement(actor=world.processor_a, dossier=dossier, missing=[SECRET_ITEM])


def test_lookup_by_code_shows_state_and_dates_only(world, catalog, client):
    dossier = supplement_requested(world, catalog)
    html = client.get(reverse("portal:lookup"), {"code": dossier.receipt_code}).content.decode()
    assert 'id="lookup-missing"' in html and dossier.supplement_due_date.strftime("%d/%m/%Y") in html
    for secret in (SECRET_ITEM, "Trần Thị Bưởi", "001203998877", "8877", "Nguyễn", "N***"):
        assert secret not in html, secret
    assert 'id="lookup-applicant"' not in html

    full = client.get(reverse("portal:lookup_token", args=[dossier_token(dossier)])).content.decode()
    assert SECRET_ITEM in full and "Nguyễn Thị Hoà" in full


def test_chat_status_for_someone_not_linked_has_no_supplement_text(world, catalog):
    from ketnoi.conversations.dossier_view import status_text

    dossier = supplement_requested(world, catalog)
    public = status_text(dossier, "vi", full=False)
    assert dossier.receipt_code in public and SECRET_ITEM not in public and "001203998877" not in public
    assert SECRET_ITEM in status_text(dossier, "vi")
