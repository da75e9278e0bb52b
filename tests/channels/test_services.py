"""Creating channels: the add_zalo_channel command, the service's checks, credentials encrypted at rest."""

import io

import pytest

from django.core.management import CommandError, call_command
from django.db import connection

from ketnoi.channels.models import Channel
from ketnoi.channels.services import webhook_url
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.core.models import AuditEntry

from . import samples
from .conftest import make_zalo_channel

SECRETS = ("app-secret-XYZ", "oa-secret-key-XYZ", "access-token-XYZ", "refresh-token-XYZ")


def test_add_zalo_channel_prints_the_webhook_url_and_encrypts_credentials(world, settings):
    settings.PUBLIC_BASE_URL = "https://ketnoi.binhson.gov.vn"
    out = io.StringIO()
    call_command(
        "add_zalo_channel", "90001", "Zalo Phường Đông Hòa", samples.OA_ID, samples.APP_ID, *SECRETS, stdout=out
    )
    channel = Channel.objects.get(external_id=samples.OA_ID)
    printed = out.getvalue()
    assert f"https://ketnoi.binhson.gov.vn/c/zalo/{channel.uuid}/receive" in printed
    assert webhook_url(channel) in printed
    assert not any(secret in printed for secret in SECRETS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets_encrypted, config FROM channels_channel WHERE id = %s", [channel.pk])
        raw_secrets, raw_config = cursor.fetchone()
    assert not any(secret in raw_secrets or secret in str(raw_config) for secret in SECRETS)
    assert channel.secrets == dict(
        zip(("app_secret", "oa_secret_key", "access_token", "refresh_token"), SECRETS, strict=True)
    )
    assert (channel.unit, channel.quota_group, channel.config) == (
        world.commune_a,
        samples.APP_ID,
        {"app_id": samples.APP_ID},
    )
    assert channel.token_expires_at is not None
    entry = AuditEntry.objects.get(action="channel.create")
    assert entry.unit_path == world.commune_a.path
    assert not any(secret in str(entry.after) for secret in SECRETS)


def test_add_zalo_channel_with_an_unknown_unit_fails_clearly(world):
    with pytest.raises(CommandError, match="No current unit"):
        call_command("add_zalo_channel", "99999", "X", samples.OA_ID, samples.APP_ID, *SECRETS)
    assert not Channel.objects.exists()


def test_channels_of_one_app_share_its_quota(world):
    first = make_zalo_channel(world.commune_a)
    second = make_zalo_channel(world.commune_b, oa_id="5790221648713589999")
    assert first.quota_key == second.quota_key == samples.APP_ID


@pytest.mark.parametrize(
    ("field", "value"),
    [("oa_id", "12ab"), ("app_id", ""), ("access_token", " "), ("name", "")],
)
def test_bad_input_is_refused_and_nothing_stored(world, field, value):
    with pytest.raises(ApplicationError):
        make_zalo_channel(world.commune_a, **{field: value})
    assert not Channel.objects.exists()


def test_an_oa_connects_once(world):
    make_zalo_channel(world.commune_a)
    with pytest.raises(ApplicationError, match="already connected"):
        make_zalo_channel(world.commune_a)


def test_only_managers_of_the_unit_may_add_channels(world):
    with pytest.raises(NotPermitted):
        make_zalo_channel(world.commune_b, actor=world.unit_admin_a)
    with pytest.raises(NotPermitted):
        make_zalo_channel(world.commune_a, actor=world.desk_a)
    assert make_zalo_channel(world.commune_a, actor=world.unit_admin_a).unit == world.commune_a
