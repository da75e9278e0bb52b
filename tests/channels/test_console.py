"""Channels in the console: health on the list, the webhook URL to copy, connecting an OA without echoing secrets."""

from django.urls import reverse

from ketnoi.channels.models import Channel

from . import samples
from .conftest import make_zalo_channel, post_signed

FORM = {
    "name": "Zalo UBND Phường Đông Hòa",
    "oa_id": samples.OA_ID,
    "app_id": samples.APP_ID,
    "app_secret": "console-app-secret",
    "oa_secret_key": "console-oa-secret",
    "access_token": "console-access-token",
    "refresh_token": "console-refresh-token",
    "quota_per_minute": "4000",
}
SECRETS = ("console-app-secret", "console-oa-secret", "console-access-token", "console-refresh-token")


def test_list_shows_health(client, world):
    channel = make_zalo_channel(world.commune_a)
    post_signed(client, channel, samples.text())
    Channel.objects.filter(pk=channel.pk).update(last_error="Zalo token refresh failed; re-consent needed")
    client.force_login(world.unit_admin_a)
    client.cookies["django_language"] = "en"
    body = client.get(reverse("console:channel_list")).content.decode()
    assert channel.name in body
    assert "re-consent needed" in body
    assert "never" not in body  # a webhook was received


def test_administrator_connects_an_oa_and_sees_the_webhook_url(client, world, settings):
    settings.PUBLIC_BASE_URL = "https://ketnoi.example.vn"
    client.force_login(world.unit_admin_a)
    response = client.post(reverse("console:channel_create_zalo"), {**FORM, "unit": world.commune_a.pk})
    channel = Channel.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("console:channel_detail", kwargs={"uuid": channel.uuid})
    detail = client.get(response["Location"]).content.decode()
    assert f"https://ketnoi.example.vn/c/zalo/{channel.uuid}/receive" in detail
    assert not any(secret in detail for secret in SECRETS)
    assert channel.secrets["oa_secret_key"] == "console-oa-secret"


def test_a_refused_form_does_not_echo_credentials(client, world):
    client.force_login(world.unit_admin_a)
    response = client.post(
        reverse("console:channel_create_zalo"), {**FORM, "oa_id": "not-a-number", "unit": world.commune_a.pk}
    )
    assert response.status_code == 200
    assert not any(secret in response.content.decode() for secret in SECRETS)
    assert not Channel.objects.exists()


def test_unit_administrators_cannot_connect_for_another_commune(client, world):
    client.force_login(world.unit_admin_a)
    response = client.post(reverse("console:channel_create_zalo"), {**FORM, "unit": world.commune_b.pk})
    assert response.status_code == 200
    assert not Channel.objects.exists()


def test_who_sees_channels(client, world):
    client.force_login(world.desk_a)
    assert client.get(reverse("console:channel_list")).status_code == 403
    client.force_login(world.leader_a)
    assert client.get(reverse("console:channel_list")).status_code == 200
    assert client.get(reverse("console:channel_create_zalo")).status_code == 403
