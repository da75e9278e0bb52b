"""Connecting an OA the way Zalo intends, against the sandbox over real HTTP: the administrator is sent to the OA
permission page with a PKCE challenge, comes back with a code, ketnoi exchanges it and stores the tokens encrypted;
then the console's signed test event reaches the webhook and is stored."""

from urllib.parse import parse_qs, urlsplit

import pytest

from django.urls import reverse

from ketnoi.channels.models import Channel, ChannelEvent
from ketnoi.channels.types.zalo.client import ZaloApiError, ZaloClient
from ketnoi.core.models import AuditEntry


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def start(client, world, created, **extra):
    data = {
        "unit": world.commune_a.pk,
        "name": "",
        "app_id": created["app_id"],
        "app_secret": created["app_secret"],
        "oa_secret_key": created["oa_secret_key"],
        **extra,
    }
    response = client.post(reverse("console:channel_connect_zalo"), data)
    assert response.status_code == 302
    return response["Location"]


def grant(client, permission_url: str, oa_id: str) -> str:
    page = client.get(path_of(permission_url))
    assert page.status_code == 200 and oa_id in page.content.decode()
    query = {k: v[0] for k, v in parse_qs(urlsplit(permission_url).query).items()}
    answer = client.post(urlsplit(permission_url).path, {**query, "oa_id": oa_id, "action": "allow"})
    assert answer.status_code == 302
    return answer["Location"]


@pytest.mark.django_db(transaction=True)
def test_connect_an_oa_through_the_permission_page(transactional_world, zalo_sandbox, client, live_server):
    world = transactional_world
    created = zalo_sandbox.create_oa("UBND Phường Đông Hòa")
    client.force_login(world.unit_admin_a)

    permission_url = start(client, world, created)
    params = parse_qs(urlsplit(permission_url).query)
    assert permission_url.startswith(f"{live_server.url}/sandbox/zalo/oauth/v4/oa/permission?")
    assert params["app_id"] == [created["app_id"]] and len(params["code_challenge"][0]) == 43
    assert params["redirect_uri"] == [f"{live_server.url}/console/channels/connect/zalo/callback/"]

    callback = grant(client, permission_url, created["oa_id"])
    assert callback.startswith(params["redirect_uri"][0]) and "code=" in callback
    done = client.get(path_of(callback))
    channel = Channel.objects.get(external_id=created["oa_id"])
    assert done["Location"] == reverse("console:channel_detail", kwargs={"uuid": channel.uuid})
    assert channel.name == "UBND Phường Đông Hòa" and channel.unit == world.commune_a  # the OA's own name
    secrets = channel.secrets
    assert secrets["access_token"] and secrets["access_token"] not in channel.secrets_encrypted
    assert secrets["oa_secret_key"] == created["oa_secret_key"]
    info = ZaloClient(access_token=secrets["access_token"], app_secret=secrets["app_secret"]).oa_info()
    assert str(info.get("oaid") or info.get("oa_id")) == created["oa_id"]
    actions = list(AuditEntry.objects.filter(unit_path=world.commune_a.path).values_list("action", flat=True))
    assert "channel.connect_start" in actions and "channel.create" in actions
    assert secrets["access_token"] not in str(list(AuditEntry.objects.values_list("after", flat=True)))

    # the code works once, and the request is finished
    again = client.get(path_of(callback))
    assert again["Location"] == reverse("console:channel_list")
    assert Channel.objects.filter(external_id=created["oa_id"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_refused_or_foreign_answer_connects_nothing(transactional_world, zalo_sandbox, client, live_server):
    world = transactional_world
    created = zalo_sandbox.create_oa("UBND Xã Bình An")
    client.force_login(world.unit_admin_a)
    permission_url = start(client, world, created)
    query = {k: v[0] for k, v in parse_qs(urlsplit(permission_url).query).items()}
    denied = client.post(urlsplit(permission_url).path, {**query, "oa_id": created["oa_id"], "action": "deny"})
    assert "error=access_denied" in denied["Location"]
    client.get(path_of(denied["Location"]))
    # another administrator cannot finish someone else's request, and a forged state finds nothing
    permission_url = start(client, world, created)
    callback = grant(client, permission_url, created["oa_id"])
    client.force_login(world.admin)
    client.get(path_of(callback))
    client.get(reverse("console:channel_zalo_callback") + "?state=forged&code=x&oa_id=1")
    assert not Channel.objects.filter(external_id=created["oa_id"]).exists()


@pytest.mark.django_db(transaction=True)
def test_the_code_needs_the_pkce_verifier(transactional_world, zalo_sandbox, client):
    created = zalo_sandbox.create_oa("UBND Phường Tây Sơn")
    client.force_login(transactional_world.unit_admin_a)
    callback = grant(client, start(client, transactional_world, created), created["oa_id"])
    code = parse_qs(urlsplit(callback).query)["code"][0]
    with pytest.raises(ZaloApiError):
        ZaloClient().token_from_code(
            app_id=created["app_id"], app_secret=created["app_secret"], code=code, code_verifier="not-the-verifier"
        )


@pytest.mark.django_db(transaction=True)
def test_send_a_test_event_reaches_the_webhook(transactional_world, zalo_sandbox, client, live_server):
    from tests.sandbox_oa import connect_sandbox_oa

    world = transactional_world
    channel, _ = connect_sandbox_oa(zalo_sandbox, unit=world.commune_a, live_server_url=live_server.url)
    client.force_login(world.unit_admin_a)
    page = client.get(reverse("console:channel_detail", kwargs={"uuid": channel.uuid})).content.decode()
    assert f"{live_server.url}/c/zalo/{channel.uuid}/receive" in page and "user_send_text" in page
    response = client.post(reverse("console:channel_webhook_test", kwargs={"uuid": channel.uuid}), follow=True)
    event = ChannelEvent.objects.get(channel=channel, provider_event="ketnoi_webhook_test")
    assert event.raw_body and event.error == ""
    assert "success" in {m.level_tag for m in response.context["messages"]}
    entry = AuditEntry.objects.get(action="channel.webhook_test")
    assert entry.after["stored"] is True and entry.after["status"] == 200


def test_web_chat_and_an_sms_gateway_from_the_console(world, client):
    client.force_login(world.unit_admin_a)
    client.post(
        reverse("console:channel_create", kwargs={"kind": "webchat"}),
        {"unit": world.commune_a.pk, "name": "Hỏi đáp trên cổng"},
    )
    answer = client.post(
        reverse("console:channel_create", kwargs={"kind": "sms"}),
        {
            "unit": world.commune_a.pk,
            "name": "SMS Đông Hòa",
            "url": "https://sms.example.vn/send",
            "api_key": "sms-key-123",
            "sender": "DONGHOA",
            "cost_per_message": 500,
            "quota_per_minute": 600,
        },
    )
    sms = Channel.objects.get(type_code="sms", name="SMS Đông Hòa")
    assert answer["Location"] == reverse("console:channel_detail", kwargs={"uuid": sms.uuid})
    assert sms.secrets["api_key"] == "sms-key-123" and "sms-key-123" not in sms.secrets_encrypted
    assert Channel.objects.filter(type_code="webchat", name="Hỏi đáp trên cổng", unit=world.commune_a).exists()
    assert AuditEntry.objects.filter(action="channel.create", unit_path=world.commune_a.path).count() == 2
    assert client.get(reverse("console:channel_create", kwargs={"kind": "pigeon"})).status_code == 404
    # another commune's unit is not offered
    other = client.post(
        reverse("console:channel_create", kwargs={"kind": "webchat"}), {"unit": world.commune_b.pk, "name": "X"}
    )
    assert other.status_code == 200 and not Channel.objects.filter(name="X").exists()
