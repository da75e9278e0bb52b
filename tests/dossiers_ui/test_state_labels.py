"""One state, one name: the console, the portal, the chat and the citizen's notice call a dossier's (and a
petition's) state by the same words, in Vietnamese and in English."""

import re

import pytest

from django.urls import reverse
from django.utils import translation

from ketnoi.conversations.dossier_view import status_text
from ketnoi.dossiers.notifications import dossier_context
from ketnoi.dossiers.services import dossier_result_ready, dossier_transition
from ketnoi.petitions.services import petition_accept
from ketnoi.petitions.states import state_label
from tests.petitions.conftest import build_petition_world, file_petition

from .conftest import take_in


def badge(html: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}">([^<]+)<', html).group(1).strip()


@pytest.mark.parametrize(("language", "expected"), [("vi", "Đã có kết quả"), ("en", "Result ready")])
def test_a_dossier_with_its_result_ready_is_called_the_same_everywhere(world, catalog, client, language, expected):
    dossier = take_in(world, catalog["1.004884"])
    dossier_transition(actor=world.processor_a, dossier=dossier, to_state="processing")
    dossier_result_ready(actor=world.processor_a, dossier=dossier)
    dossier.refresh_from_db()
    client.cookies["django_language"] = language
    client.force_login(world.processor_a)
    console = badge(
        client.get(reverse("console:dossier_detail", args=[dossier.uuid])).content.decode(), "dossier-state"
    )
    client.logout()
    client.cookies["django_language"] = language
    portal = client.get(reverse("portal:lookup"), {"code": dossier.receipt_code}).content.decode()
    portal_status = re.search(r'<p class="status">([^<]+)', portal).group(1).strip()
    notice = dossier_context(dossier, language=language)["status"]
    with translation.override(language):
        chat = status_text(dossier, language)
    assert (console, portal_status, notice) == (expected,) * 3
    assert expected in chat


def test_a_petition_state_is_called_the_same_in_the_console_the_portal_and_the_notice(db, client):
    pw = build_petition_world()
    petition = file_petition(pw)
    petition = petition_accept(actor=pw.processor_a, petition=petition)
    client.force_login(pw.processor_a)
    console = badge(client.get(f"/console/petitions/{petition.uuid}/").content.decode(), "petition-state")
    client.logout()
    portal = client.get(f"/phan-anh/theo-doi/?code={petition.tracking_code}").content.decode()
    assert console == state_label(petition.state, "vi") == "Đang xử lý"
    assert f'<span class="badge">{console}</span>' in portal


def test_events_named_after_a_state_use_its_name():
    """The portal's timeline shows the event ("Result ready") beside the state it led to: the same words."""
    from ketnoi.dossiers.models import EventKind, NotificationKind
    from ketnoi.dossiers.states import State

    with translation.override("vi"):
        for event, state in (
            (EventKind.RESULT_READY, State.RESULT_READY),
            (EventKind.SUPPLEMENT_REQUESTED, State.SUPPLEMENT_REQUESTED),
            (EventKind.RESULT_RETURNED, State.RESULT_RETURNED),
            (NotificationKind.RESULT_READY, State.RESULT_READY),
        ):
            assert str(event.label) == str(state.label), event
