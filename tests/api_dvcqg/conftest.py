"""A DVCQG client of commune A (Phường Đông Hòa, receiving agency H90.90001) and callers for both envelopes."""

from types import SimpleNamespace

import pytest

from ketnoi.api.dvcqg.services.accounts import dvcqg_client_create
from ketnoi.orgs.models import Agency
from tests.dossiers.conftest import make_procedures

PASSWORD = "mot-cua-2026"


def make_client(world, **options):
    make_procedures()
    values = {
        "actor": None,
        "name": "Một cửa Đông Hòa",
        "receiving_agency": Agency.objects.get(code="H90.90001"),
        "username": "motcua.donghoa",
        "password": PASSWORD,
    }
    values.update(options)
    return dvcqg_client_create(**values)


class Caller:
    """Speaks both envelopes to a test client (Django's, or httpx against the live server)."""

    def __init__(self, http, client, key):
        self.http, self.client, self.key = http, client, key
        self._session = ""

    def _post(self, url, body, **query):
        if query:
            url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        return self.http.post(url, body, content_type="application/json")

    def session(self) -> str:
        if not self._session:
            response = self._post("/api/dvcqg/adapter/auth", {"username": self.client.username, "password": PASSWORD})
            assert response.status_code == 200, response.content
            self._session = response.json()["session"]
        return self._session

    def service(self, service, data=None, **extra):
        body = {"session": self.session(), "madonvi": "000.00.12.H90", "service": service, **extra}
        if data is not None:
            body["data"] = data
        return self._post("/api/dvcqg/adapter/service", body)

    def array(self, action, data, **query):
        return self._post(f"/api/dvcqg/rest/{self.key}/{action}", data, **query)


@pytest.fixture
def dvcqg(world, client):
    dvcqg_client, key = make_client(world)
    return Caller(client, dvcqg_client, key)


@pytest.fixture
def ns():
    return SimpleNamespace()
