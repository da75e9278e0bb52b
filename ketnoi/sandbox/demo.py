"""`make run`: the demo province's Zalo OAs live in the sandbox, and each is connected as a channel whose webhook
URL the sandbox OA posts to, with its ZBS templates by phone set (DEMO_PHONE_TEMPLATES: the one-time code, dossier
notices, officials' replies, petition notices), so a notice to a citizen who follows no OA, or who cannot be reached
in the chat, visibly arrives on the sandbox phone that has the number. Idempotent: run it as often as you like."""

from dataclasses import dataclass

from django.db import transaction

from ketnoi.channels.models import Channel
from ketnoi.channels.services import (
    channel_set_phone_templates,
    messenger_channel_create,
    webhook_url,
    zalo_channel_create,
)
from ketnoi.orgs.demo import DEMO_PASSWORD
from ketnoi.orgs.models import AdministrativeUnit

from .control import template_fields
from .models import Grant, SandboxApp, SandboxOA, SandboxPage, Template
from .oauth import issue_grant


@dataclass(frozen=True)
class DemoOA:
    unit_code: str
    name: str


DEMO_OAS = (
    DemoOA("90", "Trung tâm Phục vụ hành chính công tỉnh Bình Sơn"),
    DemoOA("90001", "Phường Đông Hòa"),
)
# Template ids as the sandbox knows them (it accepts any id); a province registers its own with Zalo.
DEMO_PHONE_TEMPLATES = {
    "otp_template_id": "demo-otp",
    "dossier_template_id": "demo-ho-so",
    "inbox_template_id": "demo-tra-loi",
    "petition_template_id": "demo-phan-anh",
}

# The ZBS templates a demo OA has "approved", so /template/all and /template/info/v2 have something to show.
DEMO_TEMPLATES = (
    (
        DEMO_PHONE_TEMPLATES["otp_template_id"],
        "Mã xác thực",
        [{"name": "otp", "type": "NUMBER", "maxLength": 6, "minLength": 4}],
    ),
    (
        DEMO_PHONE_TEMPLATES["dossier_template_id"],
        "Thông báo tình trạng hồ sơ",
        [
            {"name": "ten_nguoi_dan", "maxLength": 50},
            {"name": "ma_ho_so", "maxLength": 40},
            {"name": "trang_thai", "maxLength": 50},
            {"name": "ten_dich_vu", "maxLength": 100},
            {"name": "ngay_hen_tra", "type": "DATE", "require": False, "acceptNull": True},
        ],
    ),
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
        channel = channel_set_phone_templates(actor=None, channel=channel, templates=DEMO_PHONE_TEMPLATES)
        for template_id, name, params in DEMO_TEMPLATES:
            fields = template_fields({"name": name, "params": params})
            Template.objects.get_or_create(oa=oa, template_id=template_id, defaults=fields)
        url = webhook_url(channel)
        if oa.webhook_url != url:
            oa.webhook_url = url
            oa.save(update_fields=["webhook_url"])
        if stdout is not None:
            stdout.write(f"  {demo.name}: OA {oa.oa_id} -> {url}")
        done.append((oa, channel))
        if demo.unit_code == WARD_WITH_GROUP_CHATS:
            _demo_group_chats(oa, channel, unit, stdout)
    setup_messenger_demo(stdout)
    return done


DEMO_PAGE = DemoOA("90001", "Phường Đông Hòa - Trang Facebook")


def setup_messenger_demo(stdout=None) -> tuple[SandboxPage, Channel]:
    """The ward's Facebook page in the Messenger stand-in, connected as a Messenger channel of the ward. Its callback
    URL is set directly (Facebook's handshake needs the web server, which starts after this)."""
    unit = AdministrativeUnit.objects.get(code=DEMO_PAGE.unit_code, valid_to__isnull=True)
    page = SandboxPage.objects.filter(name=DEMO_PAGE.name).first() or SandboxPage.objects.create(name=DEMO_PAGE.name)
    channel = Channel.objects.filter(type_code="messenger", external_id=page.page_id, is_active=True).first()
    if channel is None:
        channel = messenger_channel_create(
            actor=None,
            unit=unit,
            name=DEMO_PAGE.name,
            page_id=page.page_id,
            page_access_token=page.access_token,
            app_secret=page.app_secret,
            verify_token=page.verify_token,
        )
    url = webhook_url(channel)
    if page.webhook_url != url:
        page.webhook_url = url
        page.save(update_fields=["webhook_url"])
    if stdout is not None:
        stdout.write(f"  {page.name}: page {page.page_id} -> {url}")
    return page, channel


WARD_WITH_GROUP_CHATS = "90001"


def _demo_group_chats(oa: SandboxOA, channel: Channel, ward: AdministrativeUnit, stdout) -> None:
    """The ward's community groups as group chats of its OA (Zalo GMF): its residential-group leaders' group and one
    per residential group, each made in the sandbox (as the OA would have it) and kept by ketnoi's own service."""
    from ketnoi.broadcasts.models import ChatGroup
    from ketnoi.broadcasts.services import chat_group_adopt, group_for_residential_group, leaders_group_create
    from ketnoi.orgs.models import UnitKind

    from .groups import invite_link
    from .models import SandboxGroup

    groups = [leaders_group_create(actor=None, commune=ward)]
    residential = AdministrativeUnit.objects.filter(
        parent=ward, kind__in=[UnitKind.RESIDENTIAL_GROUP, UnitKind.VILLAGE], valid_to__isnull=True
    ).order_by("path")
    groups += [group_for_residential_group(actor=None, residential_group=unit) for unit in residential]
    for group in groups:
        if ChatGroup.objects.filter(community_group=group).exists():
            continue
        at_zalo = SandboxGroup.objects.create(oa=oa, name=group.name[:100])
        chat_group_adopt(
            actor=None,
            group=group,
            channel=channel,
            provider_group_id=at_zalo.group_id,
            invite_link=invite_link(at_zalo),
        )
        if stdout is not None:
            stdout.write(f"    group chat {group.name}: {invite_link(at_zalo)}")


def newcomer_guide(base_url: str) -> str:
    """What to do first with `make run`: become the demo citizen on the simulated phone, then act as an official
    and watch the notice arrive. Read from the demo data, so the codes and names are the ones just seeded."""
    from ketnoi.conversations.demo import DEMO_NAME, DEMO_PHONE
    from ketnoi.dossiers.models import DossierAlias

    codes = dict(
        DossierAlias.objects.filter(code__startswith="CHAT-DEMO-").values_list("code", "dossier__receipt_code")
    )
    ready, processing = codes.get("CHAT-DEMO-2", "CHAT-DEMO-2"), codes.get("CHAT-DEMO-4", "CHAT-DEMO-4")
    ward = DEMO_OAS[1].name
    return "\n".join(
        (
            f"Try it as the demo citizen {DEMO_NAME} (phone {DEMO_PHONE}):",
            f"  1. Open {base_url}/sandbox/ and create a sandbox user with the phone {DEMO_PHONE}.",
            f'  2. Follow "{ward}" and open the chat: the official account greets you with its menu.',
            '  3. Choose "Hồ sơ của tôi" (my dossiers) and share your phone: a 6-digit code arrives on the same',
            "     phone; type it in the chat and your four demo dossiers appear.",
            f"     Or type the receipt code {ready} (result ready: register postal delivery) and the last",
            f"     digits {DEMO_PHONE.replace(' ', '')[-4:]} of the phone.",
            f"  4. Then as an official: sign in at {base_url}/console/ as xuly.donghoa (password {DEMO_PASSWORD}),",
            f'     open {processing} and move it to "Đã có kết quả" (result ready): the notice reaches the phone in seconds.',
            f'  5. The same chat on Facebook: on {base_url}/sandbox/ choose "Open in Messenger" under "{DEMO_PAGE.name}"',
            "     and tap Get started. Prove the same phone there and both chats are one person: notices go to the",
            "     chat you used last.",
        )
    )
