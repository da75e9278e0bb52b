"""`make run`: the demo province's Zalo OAs live in the sandbox, and each is connected as a channel whose webhook
URL the sandbox OA posts to. Idempotent: run it as often as you like."""

from dataclasses import dataclass

from django.db import transaction

from ketnoi.channels.models import Channel
from ketnoi.channels.services import webhook_url, zalo_channel_create
from ketnoi.orgs.models import AdministrativeUnit

from .models import Grant, SandboxApp, SandboxOA
from .oauth import issue_grant


@dataclass(frozen=True)
class DemoOA:
    unit_code: str
    name: str


DEMO_OAS = (
    DemoOA("90", "Trung tâm Phục vụ hành chính công tỉnh Bình Sơn"),
    DemoOA("90001", "Phường Đông Hòa"),
)


@transaction.atomic
def setup_demo(stdout=None) -> list[tuple[SandboxOA, Channel]]:
    done = []
    for demo in DEMO_OAS:
        unit = AdministrativeUnit.objects.filter(code=demo.unit_code, valid_to__isnull=True).first()
        if unit is None:
            raise LookupError(f"No current unit {demo.unit_code}: run `manage.py seed_demo` first.")
        oa = SandboxOA.objects.select_related("app").filter(name=demo.name).first()
        if oa is None:
            app = SandboxApp.objects.create(name=demo.name)
            oa = SandboxOA.objects.create(app=app, name=demo.name)
        channel = Channel.objects.filter(type_code="zalo", external_id=oa.oa_id, is_active=True).first()
        if channel is None:
            grant: Grant = issue_grant(oa)
            channel = zalo_channel_create(
                actor=None,
                unit=unit,
                name=demo.name,
                oa_id=oa.oa_id,
                app_id=oa.app.app_id,
                app_secret=oa.app.secret_key,
                oa_secret_key=oa.secret_key,
                access_token=grant.access_token,
                refresh_token=grant.refresh_token,
                token_expires_at=grant.access_expires_at,
            )
        url = webhook_url(channel)
        if oa.webhook_url != url:
            oa.webhook_url = url
            oa.save(update_fields=["webhook_url"])
        if stdout is not None:
            stdout.write(f"  {demo.name}: OA {oa.oa_id} -> {url}")
        done.append((oa, channel))
    return done
