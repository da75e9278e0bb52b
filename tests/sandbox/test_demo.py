from django.core.management import call_command

from ketnoi.channels.models import Channel
from ketnoi.sandbox.models import SandboxOA


def test_setup_demo_connects_two_oas_once(world, settings):
    settings.DEBUG = True
    call_command("sandbox_setup_demo")
    call_command("sandbox_setup_demo")
    oas = {oa.name: oa for oa in SandboxOA.objects.all()}
    assert set(oas) == {"Trung tâm Phục vụ hành chính công tỉnh Bình Sơn", "Phường Đông Hòa"}
    channels = Channel.objects.filter(type_code="zalo", is_active=True)
    assert {(c.unit.code, c.external_id) for c in channels} == {
        ("90", oas["Trung tâm Phục vụ hành chính công tỉnh Bình Sơn"].oa_id),
        ("90001", oas["Phường Đông Hòa"].oa_id),
    }
    for channel in channels:
        oa = SandboxOA.objects.get(oa_id=channel.external_id)
        assert oa.webhook_url.endswith(f"/c/zalo/{channel.uuid}/receive")
        assert channel.secrets["oa_secret_key"] == oa.secret_key


def test_demo_oa_webhooks_are_accepted_by_the_zalo_channel(transactional_world, zalo_sandbox):
    """The sandbox and the Zalo adapter agree on the signature: the channel's receive URL answers 200."""
    from ketnoi.sandbox.demo import setup_demo

    [(oa, _channel), _] = setup_demo()
    person = zalo_sandbox.create_user("Võ Thị E")
    zalo_sandbox.follow(person["uid"], oa.oa_id, token="abc")
    zalo_sandbox.send_text(person["uid"], oa.oa_id, "Xin chào")
    zalo_sandbox.wait_deliveries(oa.oa_id, count=2)
    assert [d["attempts"][0]["status"] for d in zalo_sandbox.deliveries(oa.oa_id)] == [200, 200]


def test_the_demo_oas_send_notices_by_phone_through_their_zbs_template(transactional_world, zalo_sandbox):
    """Issue 15.8: `make run` configures the phone templates, so a dossier taken in at the desk for a citizen who
    follows no OA arrives on the sandbox phone that has the number (the by-phone fallback, visible in the demo)."""
    from ketnoi.channels.services import PHONE_TEMPLATE_KEYS
    from ketnoi.dossiers.services import dossier_receive
    from ketnoi.orgs.models import Agency, Desk
    from ketnoi.sandbox.demo import DEMO_PHONE_TEMPLATES, setup_demo
    from tests.dossiers.conftest import make_procedures
    from tests.outbox.helpers import drain

    setup_demo()
    for channel in Channel.objects.filter(type_code="zalo", is_active=True):
        assert {key: channel.config.get(key) for key in PHONE_TEMPLATE_KEYS} == DEMO_PHONE_TEMPLATES
    citizen = zalo_sandbox.create_user("Phạm Thị Lan", phone="84912000111")
    agency = Agency.objects.get(code="H90.90001")
    dossier = dossier_receive(
        actor=transactional_world.desk_a,
        procedure=make_procedures().birth,
        receiving_agency=agency,
        desk=Desk.objects.get(agency=agency, code="Q01"),
        applicant_name="Phạm Thị Lan",
        applicant_phone="0912 000 111",
    )
    drain()
    [notice] = zalo_sandbox.messages(phone="84912000111")
    assert notice["endpoint"] == "zbs" and notice["payload"]["template_id"] == "demo-ho-so"
    assert notice["payload"]["template_data"]["ma_ho_so"] == dossier.receipt_code
    assert [m["msg_id"] for m in zalo_sandbox.messages(user=citizen["uid"])] == [notice["msg_id"]]  # on her phone


def test_the_demo_wards_community_groups_are_group_chats_of_its_oa(world, settings):
    """#22: `make run` makes the ward's leaders' group and each residential group a GMF group of the ward's OA (in
    the sandbox), kept by ketnoi with its invite link; run twice, nothing doubles."""
    from ketnoi.broadcasts.models import ChatGroup
    from ketnoi.orgs.models import AdministrativeUnit, UnitKind
    from ketnoi.sandbox.models import SandboxGroup

    settings.DEBUG = True
    call_command("sandbox_setup_demo")
    call_command("sandbox_setup_demo")
    ward = Channel.objects.get(type_code="zalo", unit__code="90001")
    residential = AdministrativeUnit.objects.filter(
        parent__code="90001", kind__in=[UnitKind.RESIDENTIAL_GROUP, UnitKind.VILLAGE], valid_to=None
    ).count()
    chats = ChatGroup.objects.filter(channel=ward)
    assert chats.count() == residential + 1 == SandboxGroup.objects.count()
    assert chats.filter(community_group__residential_group=None).get().community_group.name.startswith("Tổ trưởng")
    for chat in chats:
        assert SandboxGroup.objects.filter(group_id=chat.provider_group_id, oa__oa_id=ward.external_id).exists()
        assert chat.invite_link.endswith(SandboxGroup.objects.get(group_id=chat.provider_group_id).link_code)
