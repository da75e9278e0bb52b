"""Shared fixtures: the demo province's organisation as a test world, officials by role, and the sandbox on a live
server. The suite runs in parallel (pytest-xdist): each worker has its own test database (SQLite file or PostgreSQL
database, named per worker by pytest-django), live server, browser and Redis key prefix."""

import os
from types import SimpleNamespace

import pytest

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import Client

from ketnoi.accounts.demo import seed as seed_second_factors
from ketnoi.orgs.demo import DEMO_PASSWORD, seed
from ketnoi.orgs.models import AdministrativeUnit, Agency
from tests import template_db
from tests.browser import browser, page  # noqa: F401  (fixtures)

# The rows the organisation seed writes, taken once per test session and written back in one statement per table:
# the same world as seed() makes (same codes, names, officials, passwords, audit rows) for a fraction of the cost.
_world_rows: dict[type, list[dict]] = {}


def pytest_sessionstart(session):
    """The controller of a parallel run starts migrating the template database the workers will copy."""
    if not hasattr(session.config, "workerinput") and session.config.pluginmanager.has_plugin("dsession"):
        template_db.start(session.config)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, django_db_blocker):
    """Once the worker's test database has its name: a copy of the template database, when the run made one."""
    with django_db_blocker.unblock():
        template_db.copy_for_this_worker()


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings):
    """A worker's copied database is kept, not made again, and deleted at the end (see django_db_setup)."""
    return template_db.copied() or bool(request.config.getvalue("reuse_db"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """After the worker's test database is made: seed the world once inside a transaction, keep its rows, roll back."""
    with django_db_blocker.unblock():
        _world_rows.update(_take_world_rows())
    if connection.vendor == "sqlite":
        _sqlite_files.append(str(connection.settings_dict["NAME"]))
    yield
    if connection.vendor == "postgresql":
        # Threads that tests started (live server, sandbox, in-process dispatchers) may still hold a connection to
        # this worker's database, which would keep it from being dropped.
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        if template_db.copied():  # kept by pytest-django (keepdb): dropped here
            name = connection.settings_dict["NAME"]
            connection.close()
            with django_db_blocker.unblock(), connection._nodb_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


_sqlite_files: list[str] = []


def pytest_sessionfinish(session):
    """The test database file is deleted by now (a copied one here); its write-ahead log files may be left behind."""
    for name in _sqlite_files:
        for leftover in (
            (name, f"{name}-wal", f"{name}-shm") if template_db.copied() else (f"{name}-wal", f"{name}-shm")
        ):
            if os.path.exists(leftover):
                os.remove(leftover)
    template_db.finish(session.config)


@pytest.fixture(scope="session", autouse=True)
def _redis_keys_per_worker():
    """Redis is shared by every worker and every run on the machine: each worker of each run has its own keys."""
    from ketnoi.outbox.quotas import RedisQuota

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    RedisQuota.prefix = f"ketnoi:test:{os.getpid()}:{worker}:quota:"


class _Discard(Exception):
    pass


def _seed_world() -> None:
    seed()
    seed_second_factors()  # administrators and leaders sign in with a second factor, as in production


def _take_world_rows() -> dict[type, list[dict]]:
    models = apps.get_models(include_auto_created=True)
    taken: dict[type, list[dict]] = {}
    try:
        with transaction.atomic():
            before = {model: set(model._base_manager.values_list("pk", flat=True)) for model in models}
            _seed_world()
            for model in models:
                columns = [field.attname for field in model._meta.concrete_fields]
                rows = [
                    r
                    for r in model._base_manager.order_by("pk").values(*columns)
                    if r[model._meta.pk.attname] not in before[model]
                ]
                if rows:
                    taken[model] = rows
            raise _Discard
    except _Discard:
        pass
    return taken


def _put_world() -> None:
    """Write the world's rows back (foreign keys are checked at commit, so the order of tables does not matter)."""
    if not _world_rows or AdministrativeUnit.objects.filter(code="90", valid_to__isnull=True).exists():
        _seed_world()  # no rows taken (a test without django_db_setup), or part of the world is already there
        return
    with transaction.atomic():
        for model, rows in _world_rows.items():
            model._base_manager.bulk_create([model(**row) for row in rows])
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), list(_world_rows)):
                cursor.execute(statement)


def build_world() -> SimpleNamespace:
    """The demo province: commune A is Phường Đông Hòa (90001), commune B is Xã Bình An (90007)."""
    _put_world()
    User = get_user_model()
    units = {u.code: u for u in AdministrativeUnit.objects.filter(valid_to__isnull=True).exclude(code="")}
    return SimpleNamespace(
        password=DEMO_PASSWORD,
        province=units["90"],
        commune_a=units["90001"],
        commune_b=units["90007"],
        units=units,
        agency=lambda code: Agency.objects.get(code=code),
        user=lambda username: User.objects.get(username=username),
        # officials of commune A, by role
        admin=User.objects.get(username="admin"),
        unit_admin_a=User.objects.get(username="quantri.donghoa"),
        desk_a=User.objects.get(username="tiepnhan.donghoa"),
        processor_a=User.objects.get(username="xuly.donghoa"),
        leader_a=User.objects.get(username="lanhdao.donghoa"),
        editor=User.objects.get(username="bientap.tinh"),
        desk_b=User.objects.get(username="tiepnhan.binhan"),
    )


class OfficialClient(Client):
    """force_login stands for a whole sign-in: password and, for an official who has one, the second factor."""

    def force_login(self, user, backend=None):
        from tests.otp import mark_verified

        super().force_login(user, backend)
        mark_verified(self, user)


@pytest.fixture
def client() -> Client:
    return OfficialClient()


@pytest.fixture
def world(db) -> SimpleNamespace:
    return build_world()


@pytest.fixture
def transactional_world(transactional_db) -> SimpleNamespace:
    return build_world()


@pytest.fixture
def zalo_sandbox(request, live_server, settings):
    """The Zalo sandbox on the live server, with the provider URLs pointed at it. Returns a SandboxClient.

    Its reset at teardown waits for the webhooks and delayed events it still has running, and that must happen
    before the test database is emptied: so the database fixture the test uses is set up first (torn down last)."""
    from tests.sandbox_client import SandboxClient

    for database in ("transactional_db", "db"):
        if database in request.fixturenames:
            request.getfixturevalue(database)
    settings.ZALO_OAUTH_BASE = f"{live_server.url}/sandbox/zalo/oauth"
    settings.ZALO_OPENAPI_BASE = f"{live_server.url}/sandbox/zalo/openapi"
    settings.ZALO_BUSINESS_BASE = f"{live_server.url}/sandbox/zalo/business"
    settings.MESSENGER_GRAPH_BASE = f"{live_server.url}/sandbox/facebook/v25.0"
    settings.PUBLIC_BASE_URL = live_server.url
    client = SandboxClient(live_server.url)
    yield client
    client.reset()
    client.close()
