"""The integration API skips the browsers' middleware (ketnoi/core/apipath.py); every other path keeps it all."""

import pytest

from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings

from ketnoi.api.services import api_client_create

BROWSER_ONLY = ("X-Frame-Options", "Content-Security-Policy", "Set-Cookie", "Vary")


def test_an_api_call_goes_straight_to_its_view_and_a_page_through_every_middleware(world):
    _client, token = api_client_create(actor=None, name="Một cửa", unit=world.commune_a)
    browser = Client()
    browser.cookies["django_language"] = "en"
    api = browser.get("/api/v1/units", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 200
    assert not [h for h in BROWSER_ONLY if h in api.headers], dict(api.headers)
    assert api.headers["X-Request-ID"] and api.headers["X-Content-Type-Options"] == "nosniff"  # kept
    assert api.headers["Content-Language"] == "en"  # the language chosen as everywhere (the API answers in English)
    refused = browser.get("/api/v1/units")
    assert refused.status_code == 401 and refused.json()["code"] == "unauthenticated"
    unknown = browser.get("/api/v1/no-such-thing", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"

    page = browser.get("/")
    assert page.headers.get("X-Frame-Options") and page.headers.get("Content-Security-Policy"), dict(page.headers)


def test_the_fast_path_needs_its_end_last():
    from django.conf import settings

    without_end = [m for m in settings.MIDDLEWARE if not m.endswith("ApiFastPathEnd")]
    with override_settings(MIDDLEWARE=without_end), pytest.raises(ImproperlyConfigured):
        Client().get("/")
