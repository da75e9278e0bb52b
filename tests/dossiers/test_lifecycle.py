"""The lifecycle services: supplement restarts the clock, the apology moves the due date once and only when at
risk, postal delivery and authorization only where the procedure allows them, ratings after return."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from django.utils import translation

from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.core.models import AuditEntry
from ketnoi.core.workdays import add_working_days
from ketnoi.dossiers import selectors
from ketnoi.dossiers.models import DossierEvent
from ketnoi.dossiers.protect import reveal_id_number
from ketnoi.dossiers.services import (
    dossier_authorize_collector,
    dossier_issue_apology,
    dossier_rate,
    dossier_register_postal,
    dossier_request_supplement,
    dossier_result_ready,
    dossier_return_result,
    dossier_supplement_received,
    dossier_transition,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=VN)


def test_intake_sets_code_due_date_and_protects_the_id_number(world, receive):
    dossier = receive(received_at=MONDAY)
    assert dossier.due_date == add_working_days(MONDAY, 3) == dt.date(2026, 11, 26)
    assert dossier.applicant_phone == "+84912345678"
    assert dossier.applicant_id_masked == "********4567"
    assert "001203004567" not in dossier.applicant_id_encrypted
    assert reveal_id_number(dossier.applicant_id_encrypted) == "001203004567"
    entry = AuditEntry.objects.get(action="dossier.receive", target_id=str(dossier.uuid))
    assert "001203004567" not in str(entry.after) and "0912345678" not in str(entry.after)
    assert list(dossier.events.values_list("kind", "to_state", "national_code")) == [("received", "received", 2)]


def test_another_communes_desk_officer_cannot_take_dossiers_in_here(world, receive):
    with pytest.raises(NotPermitted):
        receive(actor=world.desk_b)


def test_transition_outside_scope_is_refused(world, receive):
    dossier = receive()
    with pytest.raises(NotPermitted):
        dossier_transition(actor=world.desk_b, dossier=dossier, to_state="processing")


def test_illegal_transition_through_the_service_names_the_states(world, receive):
    dossier = receive()
    with translation.override("en"), pytest.raises(ApplicationError) as raised:
        dossier_transition(actor=world.processor_a, dossier=dossier, to_state="withdrawn")
    assert "'Received'" in raised.value.message and "'Withdrawn'" in raised.value.message
    assert raised.value.extra == {"from": "received", "to": "withdrawn"}
    dossier.refresh_from_db()
    assert dossier.state == "received" and dossier.events.count() == 1


def test_supplement_restarts_the_clock(world, receive):
    dossier = receive(received_at=MONDAY)
    dossier_transition(actor=world.processor_a, dossier=dossier, to_state="processing", at=MONDAY)
    asked = MONDAY + dt.timedelta(days=1)
    dossier = dossier_request_supplement(
        actor=world.processor_a, dossier=dossier, missing=["Bản sao giấy chứng nhận kết hôn"], at=asked
    )
    assert dossier.state == "supplement_requested"
    assert dossier.supplement_items == ["Bản sao giấy chứng nhận kết hôn"]
    completed = dt.datetime(2026, 12, 1, 10, 0, tzinfo=VN)  # Tuesday of the next week
    dossier = dossier_supplement_received(actor=world.desk_a, dossier=dossier, at=completed)
    assert dossier.clock_started_at == completed
    assert dossier.due_date == add_working_days(completed, 3) == dt.date(2026, 12, 4)


def test_supplement_must_say_what_is_missing(world, receive):
    with pytest.raises(ApplicationError):
        dossier_request_supplement(actor=world.processor_a, dossier=receive(), missing=["  "])


def test_apology_only_when_at_risk_and_at_most_once(world, receive):
    dossier = receive(received_at=MONDAY)  # due Thursday 26/11
    dossier_transition(actor=world.processor_a, dossier=dossier, to_state="processing", at=MONDAY)
    with time_machine.travel(dt.datetime(2026, 11, 24, 9, 0, tzinfo=VN)):  # Tuesday: two working days left
        with pytest.raises(ApplicationError) as raised:
            dossier_issue_apology(
                actor=world.processor_a, dossier=dossier, new_due_date=dt.date(2026, 12, 1), reason="xác minh"
            )
        assert raised.value.code == "not_at_risk"
        assert not selectors.dossiers_at_risk(official=world.processor_a).filter(pk=dossier.pk).exists()
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=VN)):  # Wednesday: one working day before
        assert selectors.dossiers_at_risk(official=world.processor_a).filter(pk=dossier.pk).exists()
        dossier = dossier_issue_apology(
            actor=world.processor_a, dossier=dossier, new_due_date=dt.date(2026, 12, 1), reason="cần xác minh"
        )
        assert dossier.due_date == dt.date(2026, 12, 1)
        assert dossier.apology_previous_due_date == dt.date(2026, 11, 26)
        with pytest.raises(ApplicationError) as raised:
            dossier_issue_apology(
                actor=world.processor_a, dossier=dossier, new_due_date=dt.date(2026, 12, 3), reason="lần nữa"
            )
        assert raised.value.code == "apology_already_issued"
    assert dossier.events.filter(kind="apology").count() == 1


def test_overdue_is_derived_from_the_due_date(world, receive):
    dossier = receive(received_at=MONDAY)
    assert not dossier.is_overdue_on(dt.date(2026, 11, 26))
    assert dossier.is_overdue_on(dt.date(2026, 11, 27))
    late = selectors.dossier_list(official=world.processor_a, overdue=True, today=dt.date(2026, 11, 27))
    assert list(late) == [dossier]
    assert late[0].overdue is True


def test_postal_and_authorization_refused_when_the_procedure_forbids_them(world, receive, procedures):
    dossier = receive(procedure=procedures.marriage)
    with pytest.raises(ApplicationError) as raised:
        dossier_register_postal(actor=None, dossier=dossier, address="5 Trần Phú, Phường Đông Hòa, Bình Sơn")
    assert raised.value.code == "postal_not_allowed"
    with pytest.raises(ApplicationError) as raised:
        dossier_authorize_collector(actor=None, dossier=dossier, name="Lê Văn Cường", id_number="001099012345")
    assert raised.value.code == "authorization_not_allowed"
    assert not DossierEvent.objects.filter(dossier=dossier, kind__in=["postal", "authorization"]).exists()


def test_postal_and_authorization_until_collection(world, receive):
    dossier = receive()
    dossier = dossier_register_postal(actor=None, dossier=dossier, address="5 Trần Phú, Phường Đông Hòa, Bình Sơn")
    assert dossier.postal_fee > 0 and dossier.postal_registered_at
    dossier = dossier_authorize_collector(
        actor=world.desk_a, dossier=dossier, name="Lê Văn Cường", id_number="001099012345", phone="0987654321"
    )
    assert dossier.authorized_id_masked == "********2345"
    dossier_transition(actor=world.processor_a, dossier=dossier, to_state="processing")
    dossier_result_ready(actor=world.processor_a, dossier=dossier)
    dossier = dossier_return_result(actor=world.desk_a, dossier=dossier)
    with pytest.raises(ApplicationError) as raised:
        dossier_register_postal(actor=None, dossier=dossier, address="5 Trần Phú, Phường Đông Hòa, Bình Sơn")
    assert raised.value.code == "too_late"


def test_rating_after_return_either_nine_indicators_or_stars(world, receive):
    dossier = receive()
    with pytest.raises(ApplicationError):
        dossier_rate(dossier=dossier, stars=5)
    dossier_transition(actor=world.processor_a, dossier=dossier, to_state="processing")
    dossier_result_ready(actor=world.processor_a, dossier=dossier)
    dossier_return_result(actor=world.desk_a, dossier=dossier)
    with pytest.raises(ApplicationError):
        dossier_rate(dossier=dossier, indicators={"1": 2, "2": 3})
    rating = dossier_rate(dossier=dossier, indicators={str(n): 2 for n in range(1, 10)}, comment="Nhanh")
    assert rating.total == 18 and rating.officer == world.desk_a
    with pytest.raises(ApplicationError):
        dossier_rate(dossier=dossier, stars=4)


def test_the_daily_job_prompts_one_working_day_before_due(world, receive):
    from ketnoi.dossiers.jobs import prompt_apologies

    dossier = receive(received_at=MONDAY)  # due Thursday 26/11
    dossier_transition(actor=world.processor_a, dossier=dossier, to_state="processing", at=MONDAY)
    assert prompt_apologies(today=dt.date(2026, 11, 24)) == 0
    assert prompt_apologies(today=dt.date(2026, 11, 25)) == 1
    assert prompt_apologies(today=dt.date(2026, 11, 25)) == 0
    assert [p.dossier for p in selectors.apology_prompts(official=world.processor_a)] == [dossier]
    assert not selectors.apology_prompts(official=world.desk_b).exists()
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=VN)):
        dossier_issue_apology(
            actor=world.processor_a, dossier=dossier, new_due_date=dt.date(2026, 12, 1), reason="cần xác minh"
        )
    assert not selectors.apology_prompts(official=world.processor_a).exists()


def test_online_filing_is_accepted_with_its_due_date_counted_from_acceptance(world, receive):
    from ketnoi.dossiers.services import dossier_accept_online

    dossier = receive(state="submitted", channel="online", received_at=MONDAY)
    assert dossier.due_date is None and dossier.national_code == 1
    with pytest.raises(ApplicationError):
        dossier_transition(actor=world.desk_a, dossier=dossier, to_state="received")
    accepted_at = MONDAY + dt.timedelta(days=2)
    dossier = dossier_accept_online(actor=world.desk_a, dossier=dossier, at=accepted_at)
    assert dossier.state == "received" and dossier.due_date == add_working_days(accepted_at, 3)


def test_citizen_documents_are_reviewed_by_an_officer(world, receive, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ketnoi.dossiers.services import dossier_attach_supplement, dossier_review_attachment

    settings.MEDIA_ROOT = str(tmp_path)
    dossier = receive()
    dossier_request_supplement(actor=world.processor_a, dossier=dossier, missing=["Ảnh CCCD hai mặt"])
    from tests.files import jpeg

    photo = SimpleUploadedFile("cccd.jpg", jpeg(), content_type="image/jpeg")
    attachment = dossier_attach_supplement(dossier=dossier, file=photo)
    with pytest.raises(ApplicationError):
        dossier_attach_supplement(
            dossier=dossier, file=SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
        )
    with pytest.raises(ApplicationError):
        dossier_review_attachment(actor=world.processor_a, attachment=attachment, accept=False)
    with pytest.raises(NotPermitted):
        dossier_review_attachment(actor=world.desk_b, attachment=attachment, accept=True)
    dossier_review_attachment(actor=world.processor_a, attachment=attachment, accept=False, note="Ảnh bị mờ")
    attachment.refresh_from_db()
    assert attachment.status == "rejected" and attachment.review_note == "Ảnh bị mờ"
    assert list(dossier.events.filter(kind__startswith="attachment").values_list("kind", flat=True)) == [
        "attachment",
        "attachment_reviewed",
    ]


def test_officials_find_a_dossier_by_id_number_without_it_being_stored_in_clear(world, receive):
    dossier = receive()
    assert list(selectors.dossier_list(official=world.processor_a, query="001203004567")) == [dossier]
    assert list(selectors.dossier_list(official=world.processor_a, query="Nguyen Thi Mai")) == [dossier]
    assert list(selectors.dossier_list(official=world.processor_a, query="5678")) == [dossier]
    assert not selectors.dossier_list(official=world.desk_b, query="001203004567").exists()
