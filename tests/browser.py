"""Real Chromium for the console's main paths: Debian's /usr/bin/chromium driven by Playwright (no browser download)."""

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package.")
    # Playwright's sync API runs an event loop in this thread; the Django code it touches here is test setup only.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def sign_in(page, base: str, username: str, password: str) -> None:
    """The console's sign-in as an official does it: password, then the authenticator code when they have one."""
    from django.contrib.auth import get_user_model

    from tests.otp import code_for, device_of

    page.goto(f"{base}/console/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if "/console/login/verify/" in page.url:
        device = device_of(get_user_model().objects.get(username=username))
        page.fill("#id_code", code_for(device))
        page.click("#verify-form button[type=submit]")
        page.wait_for_load_state()
