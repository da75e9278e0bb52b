"""Prepared reads and writes (ketnoi/core/prepared.py) give what the ORM gives, in the ORM's own statement, and refuse
what they cannot do the same way."""

import datetime as dt

import pytest

from django.db import connection
from django.db.models import Count, Value
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketnoi.conversations.models import ConversationStep
from ketnoi.core.prepared import Limit, PreparedRead, update_fields
from ketnoi.core.queue import among
from ketnoi.orgs.models import Agency

BY_CODE = PreparedRead(
    lambda code: Agency.objects.select_related("unit").annotate(children_count=Count("children")).filter(code=code),
    code=str,
)
NAMES_WITH = PreparedRead(
    lambda part, unit_id: Agency.objects.filter(name__icontains=part, unit_id=unit_id).values_list("pk", flat=True),
    part=str,
    unit_id=int,
)


def test_a_prepared_read_gives_the_querysets_objects_in_its_statement(world):
    agency = Agency.objects.filter(children__isnull=False).first() or Agency.objects.first()
    expected = Agency.objects.select_related("unit").annotate(children_count=Count("children")).get(code=agency.code)
    with CaptureQueriesContext(connection) as queries:
        found = BY_CODE.first(code=agency.code)
        assert found.unit.path == expected.unit.path  # select_related: no statement of its own
    assert len(queries) == 1
    assert (found.pk, found.name, found.children_count) == (expected.pk, expected.name, expected.children_count)
    assert BY_CODE.first(code="no such code") is None


@pytest.mark.parametrize("part", ["Ủy ban", "ỦY BAN", "%", "_", "nhân dân xã", "x%y"])
def test_like_arguments_are_escaped_as_the_orm_escapes_them(world, part):
    unit_id = world.commune_a.pk
    expected = set(Agency.objects.filter(name__icontains=part, unit_id=unit_id).values_list("pk", flat=True))
    assert set(NAMES_WITH.rows(part=part, unit_id=unit_id)) == expected


def test_an_argument_the_sql_does_not_carry_as_it_is_is_refused_when_prepared(world):
    upper = PreparedRead(lambda code: Agency.objects.filter(code=code.upper()), code=str)
    with pytest.raises(ValueError, match="not preparable"):
        upper.rows(code="h90")


def test_the_write_shortcuts_refuse_models_whose_save_does_more(world):
    with pytest.raises(TypeError, match="own save"):
        update_fields(ConversationStep(pk=1, note="x"), ["note"])


def test_a_limit_argument_is_the_statements_limit_and_a_parameter(world):
    first = PreparedRead(lambda limit: Agency.objects.order_by("pk").values_list("pk", flat=True)[:limit], limit=Limit)
    every = list(Agency.objects.order_by("pk").values_list("pk", flat=True))
    assert len(every) >= 3
    assert first.rows(limit=1) == every[:1]
    assert first.rows(limit=3) == every[:3]
    assert "LIMIT %s" in first._for(connection.alias).sql  # one statement for any limit


def test_list_and_datetime_arguments_on_postgresql_and_refused_where_the_sql_would_change(world):
    among_pks = PreparedRead(
        lambda pks: Agency.objects.filter(among("pk", pks)).order_by("pk").values_list("pk", flat=True), pks=list
    )
    every = list(Agency.objects.order_by("pk").values_list("pk", flat=True))
    if connection.vendor != "postgresql":  # a list of n values is n parameters there: another statement each time
        with pytest.raises(ValueError, match="not preparable"):
            among_pks.rows(pks=every[:2])
        return
    assert among_pks.rows(pks=every[:2]) == every[:2]
    assert among_pks.rows(pks=[]) == []
    assert among_pks.rows(pks=every) == every
    stamped = PreparedRead(
        lambda pk, at: Agency.objects.filter(pk=pk).annotate(at=Value(at)).values_list("at", flat=True),
        pk=int,
        at=dt.datetime,
    )
    now = timezone.now()
    assert stamped.rows(pk=every[0], at=now) == [now]
    assert stamped.rows(pk=every[1], at=now - dt.timedelta(days=1)) == [now - dt.timedelta(days=1)]
