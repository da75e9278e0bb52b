"""Receipt codes: `<agency code>-YYMMDD-XXXX`, a gapless daily sequence per receiving agency, safe when several
desks take dossiers in at the same moment (threads, each with its own database connection)."""

import datetime as dt
import re
import threading
from zoneinfo import ZoneInfo

import pytest

from django.db import connection, connections

from ketnoi.dossiers.codes import format_receipt_code
from ketnoi.dossiers.models import Dossier
from ketnoi.orgs.models import Agency
from tests.dossiers.conftest import make_procedures

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_code_format_and_daily_sequence(receive, desk_a, procedures):
    morning = dt.datetime(2026, 11, 24, 8, 0, tzinfo=VN)
    first = receive(received_at=morning)
    second = receive(received_at=morning + dt.timedelta(hours=3))
    next_day = receive(received_at=morning + dt.timedelta(days=1))
    assert first.receipt_code == "H90.90001-261124-0001"
    assert second.receipt_code == "H90.90001-261124-0002"
    assert next_day.receipt_code == "H90.90001-261125-0001"
    assert re.fullmatch(r"H90\.90001-\d{6}-\d{4}", first.receipt_code)


def test_the_local_date_counts_not_utc(receive):
    # 23:30 UTC on the 23rd is 06:30 on the 24th in Vietnam.
    dossier = receive(received_at=dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC))
    assert "-261124-" in dossier.receipt_code


def test_each_agency_has_its_own_sequence(world, receive, procedures):
    centre = Agency.objects.get(code="H90.100")
    at = dt.datetime(2026, 11, 24, 9, 0, tzinfo=VN)
    receive(received_at=at)
    other = receive(received_at=at, receiving_agency=centre, desk=None, actor=None)
    assert other.receipt_code == "H90.100-261124-0001"


def test_numbers_past_9999_keep_growing():
    assert format_receipt_code("H90.100", dt.date(2026, 1, 2), 10000) == "H90.100-260102-10000"


@pytest.mark.django_db(transaction=True)
def test_concurrent_intake_gives_distinct_gapless_numbers(transactional_world):
    procedures = make_procedures()
    agency = Agency.objects.get(code="H90.90001")
    from ketnoi.dossiers.services import dossier_receive

    at = dt.datetime(2026, 11, 24, 10, 0, tzinfo=VN)
    threads_count, per_thread = 6, 5
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def work():
        try:
            barrier.wait()
            for _ in range(per_thread):
                dossier_receive(
                    actor=None,
                    procedure=procedures.birth,
                    receiving_agency=agency,
                    applicant_name="Trần Văn Bình",
                    received_at=at,
                )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    codes = sorted(Dossier.objects.filter(receiving_agency=agency).values_list("receipt_code", flat=True))
    expected = [f"H90.90001-261124-{n:04d}" for n in range(1, threads_count * per_thread + 1)]
    assert codes == expected, connection.vendor
