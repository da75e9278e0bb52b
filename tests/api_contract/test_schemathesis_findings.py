"""What schemathesis found on PostgreSQL, kept as plain tests so they run with every seed."""

import pytest

from ketnoi.api.services import api_client_create
from tests.dossiers.conftest import make_procedures


@pytest.fixture
def headers(world):
    make_procedures()
    _client, token = api_client_create(actor=None, name="Một cửa Đông Hòa", unit=world.commune_a)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.mark.parametrize(
    "moment",
    ["4792-04-12T19:08:53.588742+22:08", "0120-11-21T04:20:11.69+20:25", "0001-01-01T00:00:00+05:00"],
)
@pytest.mark.parametrize("path", ["/api/v1/dossiers", "/api/v1/procedures", "/api/v1/petitions", "/api/v1/documents"])
def test_updated_since_with_any_rfc3339_offset_is_a_moment_not_a_server_error(client, headers, path, moment):
    """PostgreSQL refuses offsets past 15:59, which RFC 3339 allows: the API reads the moment in UTC."""
    response = client.get(path, {"updated_since": moment}, **headers)
    assert response.status_code == 200, response.content[:500]
    assert set(response.json()) == {"items", "next_cursor"}


def test_the_schema_says_each_other_code_has_at_most_60_characters(client):
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["DossierIn"]
    assert schema["properties"]["other_codes"]["items"]["maxLength"] == 60
