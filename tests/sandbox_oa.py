"""Connect a sandbox OA as a real Zalo channel of a unit, its webhook pointed at this test server's intake."""

from ketnoi.channels.services import zalo_channel_create
from ketnoi.channels.types.zalo import tokens
from ketnoi.outbox.quotas import quota_backend
from tests.channels.conftest import receive_url


def connect_sandbox_oa(zalo_sandbox, *, unit, live_server_url: str, name: str = "UBND Phường Đông Hòa", config=None):
    created = zalo_sandbox.create_oa(name)
    channel = zalo_channel_create(
        actor=None,
        unit=unit,
        name=created["name"],
        oa_id=created["oa_id"],
        app_id=created["app_id"],
        app_secret=created["app_secret"],
        oa_secret_key=created["oa_secret_key"],
        access_token=created["access_token"],
        refresh_token=created["refresh_token"],
    )
    if config:
        channel.config = {**channel.config, **config}
        channel.save(update_fields=["config"])
    zalo_sandbox.set_webhook(created["oa_id"], live_server_url + receive_url(channel))
    tokens.forget(channel.pk)
    quota_backend().reset(channel.quota_key)
    return channel, created
