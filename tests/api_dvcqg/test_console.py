"""The console's DVCQG pages: per-client traffic and last errors, the raw call with personal numbers masked, the
relay backlog, the dead letters with a retry, and the relay switch. A desk officer has no access."""

import pytest

from ketnoi.api.dvcqg import relay
from ketnoi.api.dvcqg.models import RelayItem, RelayStatus

from . import payloads


@pytest.fixture
def official(client, world):
    client.cookies["django_language"] = "en"
    client.force_login(world.unit_admin_a)
    return client


def test_traffic_errors_and_the_masked_raw_call(dvcqg, official):
    dvcqg.service("DongBoHoSoMC", [payloads.dossier()], isUpdating="False")
    dvcqg.service("DongBoHoSoMC", [payloads.dossier(MaTTHC="9.999999")], isUpdating="False")  # "already exists"
    dvcqg.array("ThemMoi", [payloads.dossier(MaHoSo="X-1", MaTTHC="9.999999")])
    listing = official.get("/console/dvcqg/").content.decode()
    assert "Một cửa Đông Hòa" in listing and "motcua.donghoa" in listing
    page = official.get(f"/console/dvcqg/clients/{dvcqg.client.uuid}/").content.decode()
    assert "Last errors" in page and "already exists" not in page  # the answer is in Vietnamese: đã tồn tại
    assert "đã tồn tại" in page
    assert (
        "No procedure has the code"
        in official.get(
            f"/console/dvcqg/calls/{dvcqg.client.requests.get(path__startswith='ThemMoi').uuid}/"
        ).content.decode()
    )
    raw = official.get(f"/console/dvcqg/calls/{dvcqg.client.requests.order_by('id').first().uuid}/").content.decode()
    assert "Nguyễn Văn A" in raw and "0900000000" not in raw and "001099000000" not in raw


def test_relay_switch_backlog_dead_letters_and_retry(dvcqg, official, settings):
    settings.DVCQG_RELAY_MAX_ATTEMPTS = 1
    response = official.post(
        f"/console/dvcqg/clients/{dvcqg.client.uuid}/relay/",
        {"relay_enabled": "on", "upstream_url": "http://127.0.0.1:9/dvc"},  # nothing listens on the discard port
    )
    assert response.status_code == 302
    dvcqg.client.refresh_from_db()
    assert dvcqg.client.relay_enabled and dvcqg.client.upstream_url == "http://127.0.0.1:9/dvc"
    dvcqg.array("ThemMoi", [payloads.dossier()])
    assert "1 waiting" in official.get(f"/console/dvcqg/clients/{dvcqg.client.uuid}/").content.decode()
    assert relay.relay_due() == {"dead": 1}
    item = RelayItem.objects.get()
    dead = official.get("/console/dvcqg/relay/").content.decode()
    assert "http://127.0.0.1:9/dvc/ThemMoi" in dead and "ConnectError" in dead
    assert official.post(f"/console/dvcqg/relay/{item.uuid}/retry/").status_code == 302
    item.refresh_from_db()
    assert item.status == RelayStatus.PENDING and item.attempts == 0


def test_a_desk_officer_sees_no_dvcqg_pages(dvcqg, client, world):
    client.force_login(world.desk_a)
    assert client.get("/console/dvcqg/").status_code == 403
    assert client.get(f"/console/dvcqg/clients/{dvcqg.client.uuid}/").status_code == 403
