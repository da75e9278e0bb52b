"""A phone a Zalo user types proves nothing (issue 15.1): over the sandbox, a stranger who types someone else's
number in the "share my information" form, in "my dossiers", or who is the follower sharing the phone a dossier
carries, learns nothing about the dossiers filed with it: no code, procedure, status, due date, name, token link,
no notice. All the chat says is that dossiers exist for the number and that a code went to it. The person who has
the phone receives the code, types it, and from then on the same paths work."""

from ketnoi.contacts.models import ChannelContact
from ketnoi.dossiers.models import Dossier, DossierLink
from ketnoi.dossiers.services import dossier_result_ready, dossier_return_result, dossier_transition
from ketnoi.dossiers.states import state_label
from ketnoi.dossiers.tokens import dossier_token, lookup_url
from tests.outbox.helpers import drain

from .conftest import APPLICANT_PHONE, buttons, texts

OWNER_PHONE = "84912345678"  # APPLICANT_PHONE as Zalo writes it
STRANGER_OWN_PHONE = "84987000111"


def secrets_of(dossier: Dossier) -> list[str]:
    """What a notice or a status would show of the dossier: none of it may reach a stranger."""
    dossier = Dossier.objects.select_related("procedure").get(pk=dossier.pk)
    found = [
        dossier.receipt_code,
        dossier.procedure.name,
        dossier.applicant_name,
        state_label(dossier.state, "vi"),
        dossier_token(dossier),
        lookup_url(dossier),
        dossier.uuid.hex,
        "/tra-cuu/",
    ]
    if dossier.due_date:
        found.append(dossier.due_date.strftime("%d/%m/%Y"))
    return found


def assert_reveals_nothing(messages: list[dict], *dossiers: Dossier) -> None:
    shown = texts(messages) + "\n" + "\n".join(str(v) for v in buttons(messages).values())
    for dossier in dossiers:
        leaked = [secret for secret in secrets_of(dossier) if secret in shown]
        assert leaked == [], f"{leaked} shown to a stranger:\n{shown}"


def codes_sent_to(oa, phone: str) -> list[str]:
    return [
        m["payload"]["template_data"]["otp"]
        for m in oa.sandbox.messages(oa_id=oa.oa_id, phone=phone)
        if (m.get("payload") or {}).get("template_id") == "tpl-otp"
    ]


def links_of(phone) -> int:
    person = ChannelContact.objects.get(user_id=phone.user_id)
    return (
        DossierLink.objects.filter(channel_contact=person).count()
        + DossierLink.objects.filter(contact=person.contact).count()
    )


def everything_shown(oa, phone) -> list[dict]:
    return oa.sandbox.messages(oa_id=oa.oa_id, user_id=phone.uid)


def test_the_info_form_with_a_strangers_phone_says_only_that_dossiers_exist(oa, dossiers, new_phone):
    stranger = new_phone("Kẻ Lạ", phone=STRANGER_OWN_PHONE)
    stranger.follow()
    shown = texts(stranger.submit_info("Nguyễn Thị Mai", OWNER_PHONE))
    assert "tìm thấy hồ sơ" in shown and "091****678" in shown
    assert len(codes_sent_to(oa, OWNER_PHONE)) == 1  # to the number typed, not to the stranger
    assert links_of(stranger) == 0
    assert ChannelContact.objects.get(user_id=stranger.user_id).contact.phone == ""

    # wrong codes, the list, the lookup of "my dossiers": still nothing
    assert "Mã không đúng" in texts(stranger.say("000000" if codes_sent_to(oa, OWNER_PHONE)[0] != "000000" else "1"))
    stranger.say("ho so cua toi")

    # the dossier moves on: its notice goes to the owner's phone by template, never to the stranger's chat
    ready = Dossier.objects.get(pk=dossiers.ready.pk)
    dossier_return_result(actor=oa.world.desk_a, dossier=ready)
    drain()
    by_phone = oa.sandbox.messages(oa_id=oa.oa_id, phone=OWNER_PHONE)
    assert any((m.get("payload") or {}).get("template_id") == "tpl-dossier" for m in by_phone)
    assert_reveals_nothing(everything_shown(oa, stranger), dossiers.waiting, dossiers.ready, dossiers.returned)
    assert links_of(stranger) == 0


def test_the_owner_of_the_phone_confirms_with_the_code_and_then_sees_and_hears(oa, dossiers, new_phone):
    owner = new_phone("Nguyễn Thị Mai", phone=OWNER_PHONE)
    owner.follow()
    shown = owner.submit_info("Nguyễn Thị Mai", OWNER_PHONE)
    assert_reveals_nothing(shown, dossiers.waiting, dossiers.ready)
    assert links_of(owner) == 0
    [code] = codes_sent_to(oa, OWNER_PHONE)
    shown = texts(owner.say(code))
    assert "đã được xác nhận" in shown
    assert dossiers.waiting.receipt_code in shown and dossiers.ready.receipt_code in shown
    assert links_of(owner) >= 2

    ready = Dossier.objects.get(pk=dossiers.ready.pk)
    dossier_return_result(actor=oa.world.desk_a, dossier=ready)
    drain()
    notice = owner.new_messages()
    assert dossiers.ready.receipt_code in texts(notice)


def test_a_shared_phone_with_no_dossier_is_thanked_and_sent_no_code(oa, new_phone):
    person = new_phone("Trần Văn Bình", phone=STRANGER_OWN_PHONE)
    person.follow()
    shown = texts(person.submit_info("Trần Văn Bình", "0977 000 222"))
    assert "Cảm ơn" in shown and "hồ sơ" not in shown
    assert codes_sent_to(oa, "84977000222") == []


def test_my_dossiers_with_a_typed_phone_reveals_nothing_before_the_code(oa, dossiers, new_phone):
    stranger = new_phone("Kẻ Lạ")  # a Zalo account with no phone of its own
    stranger.follow()
    assert "<form" in texts(stranger.say("ho so cua toi"))
    shown = texts(stranger.say(APPLICANT_PHONE))
    assert "mã 6 chữ số" in shown
    [code] = codes_sent_to(oa, OWNER_PHONE)
    for wrong in ("111111", "222222", "333333"):
        stranger.say(wrong if wrong != code else "444444")
    stranger.submit_info("Nguyễn Thị Mai", OWNER_PHONE)  # the form tapped late: still only a new code
    assert links_of(stranger) == 0
    assert_reveals_nothing(everything_shown(oa, stranger), dossiers.waiting, dossiers.ready, dossiers.returned)

    # the owner, who receives the codes, can use the very same path
    owner = new_phone("Nguyễn Thị Mai", phone=OWNER_PHONE)
    owner.follow()
    owner.say("ho so cua toi")
    owner.say("0912345678")
    code = codes_sent_to(oa, OWNER_PHONE)[-1]
    shown = texts(owner.say(code))
    assert dossiers.waiting.receipt_code in shown and dossiers.returned.receipt_code in shown
    assert DossierLink.objects.filter(dossier=dossiers.waiting, channel_contact__user_id=owner.user_id).exists()


def test_a_dossier_received_later_reaches_only_the_proven_phone(oa, dossiers, new_phone):
    """Desk intake (15.8): the dossier created at the desk with a phone links to the follower who proved that phone
    by code, and the receipt notice reaches their chat; a stranger who only typed the number hears nothing."""
    from ketnoi.dossiers.services import dossier_receive
    from ketnoi.orgs.models import Agency, Desk

    stranger = new_phone("Kẻ Lạ", phone=STRANGER_OWN_PHONE)
    stranger.follow()
    stranger.submit_info("Nguyễn Thị Mai", OWNER_PHONE)
    owner = new_phone("Nguyễn Thị Mai", phone=OWNER_PHONE)
    owner.follow()
    owner.say("ho so cua toi")
    owner.say(APPLICANT_PHONE)
    owner.say(codes_sent_to(oa, OWNER_PHONE)[-1])

    agency = Agency.objects.get(code="H90.90001")
    new = dossier_receive(
        actor=oa.world.desk_a,
        procedure=dossiers.procedures.birth,
        receiving_agency=agency,
        desk=Desk.objects.get(agency=agency, code="Q01"),
        applicant_name="Nguyễn Thị Mai",
        applicant_phone=APPLICANT_PHONE,
    )
    drain()
    receipt = texts(owner.new_messages())
    assert new.receipt_code in receipt and "đã tiếp nhận hồ sơ" in receipt
    # told in the chat, so no template by phone for this dossier
    assert not [m for m in oa.sandbox.messages(oa_id=oa.oa_id, phone=OWNER_PHONE) if new.receipt_code in str(m)]
    assert_reveals_nothing(everything_shown(oa, stranger), new, dossiers.waiting)
    processing = dossier_transition(actor=oa.world.processor_a, dossier=new, to_state="processing")
    dossier_result_ready(actor=oa.world.processor_a, dossier=processing)
    drain()
    assert "đã có kết quả" in texts(owner.new_messages()).lower()
    assert_reveals_nothing(everything_shown(oa, stranger), new)
