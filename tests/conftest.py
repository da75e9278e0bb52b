"""Shared fixtures: the demo province as a test world, officials by role, and the sandbox on a live server."""

from types import SimpleNamespace

import pytest

from django.contrib.auth import get_user_model
from django.test import Client

from ketnoi.accounts.demo import seed as seed_second_factors
from ketnoi.orgs.demo import DEMO_PASSWORD, seed
from ketnoi.orgs.models import AdministrativeUnit, Agency
from tests.browser import browser, page  # noqa: F401  (fixtures)


def build_world() -> SimpleNamespace:
    """The demo province: commune A is Phường Đông Hòa (90001), commune B is Xã Bình An (90007)."""
    seed()
    seed_second_factors()  # administrators and leaders sign in with a second factor, as in production
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
    settings.PUBLIC_BASE_URL = live_server.url
    client = SandboxClient(live_server.url)
    yield client
    client.reset()
    client.close()
