"""Optional single sign-on (OpenID Connect, mozilla-django-oidc) against a stand-in identity provider over real HTTP:
an existing official signs in through the province's provider; a stranger does not; the second factor and
deactivation still apply."""

from urllib.parse import urlsplit

import httpx
import pytest

from django.test import Client
from django.urls import reverse

from .oidc_idp import StandInIdP

CLIENT_ID, CLIENT_SECRET = "ketnoi-console", "stand-in-secret-0123456789abcdef"


@pytest.fixture
def idp(settings):
    with StandInIdP(client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as provider:
        settings.ROOT_URLCONF = "tests.accounts.oidc_urls"
        settings.AUTHENTICATION_BACKENDS = [
            *settings.AUTHENTICATION_BACKENDS,
            "ketnoi.accounts.oidc.OfficialOIDCBackend",
        ]
        settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{provider.url}/authorize"
        settings.OIDC_OP_TOKEN_ENDPOINT = f"{provider.url}/token"
        settings.OIDC_OP_USER_ENDPOINT = f"{provider.url}/userinfo"
        settings.OIDC_RP_SIGN_ALGO = "HS256"
        settings.OIDC_RP_SCOPES = "openid email"
        settings.OIDC_USE_PKCE = True
        settings.OIDC_CREATE_USER = False
        settings.OIDC_USERNAME_CLAIM = ""
        yield provider


def sso(client: Client, idp: StandInIdP, email: str):
    """Through the provider and back; returns the answer of ketnoi's callback."""
    idp.next_login = {"sub": f"sub-{email}", "email": email}
    start = client.get("/oidc/authenticate/")
    assert start.status_code == 302 and start["Location"].startswith(idp.url + "/authorize?")
    assert "code_challenge=" in start["Location"] and "nonce=" in start["Location"]
    back = httpx.get(start["Location"], follow_redirects=False)
    callback = urlsplit(back.headers["location"])
    return client.get(f"{callback.path}?{callback.query}")


def test_an_official_signs_in_through_the_province_provider(world, idp):
    world.desk_a.email = "tam@donghoa.gov.vn"
    world.desk_a.save()
    client = Client()
    assert 'id="sso-link"' in client.get(reverse("console:login")).content.decode()
    answer = sso(client, idp, "TAM@donghoa.gov.vn")
    assert answer.status_code == 302 and answer["Location"] == reverse("console:home")
    assert client.get("/console/").status_code == 200


def test_the_second_factor_still_applies_after_single_sign_on(world, idp):
    world.leader_a.email = "thang@donghoa.gov.vn"
    world.leader_a.save()
    client = Client()
    sso(client, idp, "thang@donghoa.gov.vn")
    assert client.get("/console/")["Location"].startswith(reverse("console:login_verify"))


def test_strangers_and_deactivated_officials_are_refused(world, idp):
    client = Client()
    sso(client, idp, "nobody@example.org")
    assert client.get("/console/")["Location"].startswith(reverse("console:login"))
    world.desk_a.email, world.desk_a.is_active = "tam@donghoa.gov.vn", False
    world.desk_a.save()
    sso(client, idp, "tam@donghoa.gov.vn")
    assert client.get("/console/")["Location"].startswith(reverse("console:login"))
