"""Every indicator against figures worked out by hand on a fixed data set (tests/reports/dataset.py), read from the
daily tables exactly as the dashboard reads them, at each level of the drill-down."""

import datetime as dt

import pytest

from ketnoi.reports.aggregation import reports_rebuild
from ketnoi.reports.indicators import INDICATORS, percentile
from ketnoi.reports.selectors import Period, parse_period, report_build, report_slice
from tests.reports import dataset

Q1 = Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31), "Q1/2026")


@pytest.fixture
def built(world):
    data = dataset.build(world)
    reports_rebuild(now=dataset.at("2026-04-05"))
    return data


def test_every_indicator_has_a_definition_and_is_checked():
    keys = {i.key for i in INDICATORS}
    assert keys == set(dataset.EXPECTED_PROVINCE_Q1), "each indicator needs a hand-computed value in the data set"
    assert all(str(i.definition) and str(i.computed) for i in INDICATORS)


def test_province_figures_match_the_hand_computed_values(built, world):
    where = report_slice(official=world.admin, params={})
    assert where.unit == world.province and where.level == "unit"
    report = report_build(official=world.admin, period=Q1, where=where)
    got = {key: report.totals["values"][key] for key in dataset.EXPECTED_PROVINCE_Q1}
    assert got == dataset.EXPECTED_PROVINCE_Q1


def test_commune_leader_sees_their_commune_and_drills_to_desk_and_official(built, world):
    where = report_slice(official=world.leader_a, params={})
    assert where.unit == world.commune_a and where.level == "agency"
    report = report_build(official=world.leader_a, period=Q1, where=where)
    got = {key: report.totals["values"][key] for key in dataset.EXPECTED_COMMUNE_A_Q1}
    assert got == dataset.EXPECTED_COMMUNE_A_Q1
    by_agency = {row.label: row.values for row in report.rows}
    centre = next(v for label, v in by_agency.items() if label.startswith("TTPVHCC"))
    assert centre["received"] == 4 and centre["resolved"] == 3
    assert next(v for label, v in by_agency.items() if label.startswith("UBND"))["petitions_received"] == 1
    agency_row = next(r for r in report.rows if r.label.startswith("TTPVHCC"))
    desk_level = report_slice(official=world.leader_a, params=agency_row.drill)
    assert desk_level.level == "desk"
    desks = report_build(official=world.leader_a, period=Q1, where=desk_level)
    assert [(r.label, r.values["received"]) for r in desks.rows] == [("Quầy 1", 4)]
    officials = report_build(
        official=world.leader_a, period=Q1, where=report_slice(official=world.leader_a, params=desks.rows[0].drill)
    )
    by_person = {r.key: r.values for r in officials.rows}
    assert by_person[world.desk_a.pk]["received"] == 4 and by_person[world.desk_a.pk]["ratings"] == 2
    assert by_person[world.processor_a.pk]["supplement_requests"] == 2
    assert by_person[world.processor_a.pk]["apologies"] == 1


def test_province_rows_rank_communes_by_on_time_rate(built, world):
    report = report_build(official=world.admin, period=Q1, where=report_slice(official=world.admin, params={}))
    assert [(r.label, r.values["on_time_rate"]) for r in report.ranking] == [
        ("Phường Đông Hòa", 66.7),
        ("Xã Bình An", 0.0),
    ]
    # the trend of a quarter is weekly: received on the week of 5 January = D1 only
    trend = dict(report.trend)
    assert trend["2026-01-05"]["received"] == 1 and trend["2026-03-30"]["received"] == 1


def test_a_period_outside_the_data_is_empty_and_the_commune_boundary_is_local_time(built, world):
    april = parse_period({"year": "2026", "month": "4"})
    report = report_build(official=world.admin, period=april, where=report_slice(official=world.admin, params={}))
    assert report.totals["values"]["received"] == 1  # received 00:30 on 1 April, local time
    assert report.totals["values"]["on_time_rate"] is None


def test_period_parsing():
    assert parse_period({"year": "2026", "quarter": "3"}) == Period(
        dt.date(2026, 7, 1), dt.date(2026, 9, 30), "Q3/2026"
    )
    assert parse_period({"year": "2026", "quarter": "4"}).end == dt.date(2026, 12, 31)
    assert parse_period({"year": "2026", "month": "2"}).end == dt.date(2026, 2, 28)
    assert parse_period({"start": "2026-01-10", "end": "2026-01-20"}).days == 11
    assert parse_period({"year": "abc"}, today=dt.date(2026, 11, 24)).label == "Q4/2026"


def test_percentile_is_nearest_rank():
    assert percentile({1: 1, 4: 2, 51: 1}) == 51
    assert percentile({1: 9, 100: 1}) == 1
    assert percentile({}) is None
