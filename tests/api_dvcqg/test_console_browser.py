"""The DVCQG console path in real Chromium: a unit administrator opens the one-stop sync page from the menu, sees
the client's failed call, then retries the payload the relay gave up on."""

import pytest
from playwright.sync_api import expect

from ketnoi.api.dvcqg import relay
from ketnoi.api.dvcqg.models import RelayItem, RelayStatus
from tests.console.test_console_browser import sign_in

from . import payloads
from .conftest import Caller, make_client

pytestmark = pytest.mark.browser


def test_unit_admin_follows_a_client_error_and_retries_the_relay(
    live_server, transactional_world, page, client, settings
):
    settings.DVCQG_RELAY_MAX_ATTEMPTS = 1
    dvcqg_client, key = make_client(transactional_world, relay_enabled=True, upstream_url="http://127.0.0.1:9/dvc")
    caller = Caller(client, dvcqg_client, key)
    caller.array("ThemMoi", [payloads.dossier(MaTTHC="9.999999")])
    relay.relay_due()  # nothing listens upstream: given up after the one attempt allowed here

    sign_in(page, live_server.url, "quantri.donghoa", transactional_world.password)
    page.click("button[name=language][value=en]")
    page.locator("nav.sidenav").get_by_role("link", name="One-stop sync (DVCQG)").click()
    page.get_by_role("link", name="Một cửa Đông Hòa").click()
    expect(page.locator("body")).to_contain_text("No procedure has the code")
    page.get_by_role("link", name="1 given up").click()
    expect(page.locator("table")).to_contain_text("http://127.0.0.1:9/dvc/ThemMoi")
    page.get_by_role("button", name="Retry").click()
    expect(page.locator(".messages")).to_contain_text("queued for the upstream again")
    assert RelayItem.objects.get().status == RelayStatus.PENDING
