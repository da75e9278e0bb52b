"""The PostgreSQL backend's health check (ketnoi/core/postgresql/base.py): a kept connection the server has said
nothing on is used without a round trip; one whose backend the server ended is found out and replaced before the
request's first query."""

import psycopg
import pytest

from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the backend is PostgreSQL's")


def _server():
    params = connection.get_connection_params()
    return psycopg.connect(
        host=params.get("host"), port=params.get("port"), user=params.get("user"), dbname=params["dbname"],
        password=params.get("password"), autocommit=True,
    )  # fmt: skip


def _last_query_of(server, pid: int) -> str:
    return server.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]


def test_a_quiet_connection_is_usable_without_asking_the_server():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'marker-before-the-check'")
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with _server() as server:
        assert _last_query_of(server, pid) == "SELECT pg_backend_pid()"
        assert connection.is_usable()
        assert _last_query_of(server, pid) == "SELECT pg_backend_pid()"  # no SELECT 1 reached the server


def test_a_connection_whose_backend_the_server_ended_is_replaced_before_the_next_query():
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        old_pid = cursor.fetchone()[0]
    with _server() as server:
        assert server.execute("SELECT pg_terminate_backend(%s)", [old_pid]).fetchone()[0]
        server.execute("SELECT pg_sleep(0.2)")  # the termination message reaches the old connection's socket
    assert not connection.is_usable()
    connection.health_check_enabled, connection.health_check_done = True, False
    connection.close_if_health_check_failed()  # what Django does before a request's first query
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != old_pid
