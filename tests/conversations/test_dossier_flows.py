"""Dossier flows over the sandbox, as a citizen: lookup by a code typed any way, linking with the phone's last
digits, sending the missing documents as a photo and a file, postal delivery, authorization, rating, and "my
dossiers" through Zalo's info form and a one-time code."""

from ketnoi.conversations.models import ConversationStep
from ketnoi.dossiers.models import Dossier, DossierAttachment, DossierLink, DossierRating
from ketnoi.dossiers.tokens import dossier_token

from .conftest import buttons, texts


def spaced(code: str) -> str:
    """'H90.90001-261124-0007' -> 'h90.90001 261124 0007', as people type it."""
    return code.lower().replace("-", " ")


def test_lookup_link_supplement_postal_and_authorization_in_vietnamese(oa, dossiers, new_phone):
    dossier = dossiers.waiting
    phone = new_phone()
    phone.follow()

    shown = texts(phone.say(f"cho hoi ho so {spaced(dossier.receipt_code)} cua toi"))
    assert dossier.receipt_code in shown and "Yêu cầu bổ sung giấy tờ" in shown
    assert "Giấy chứng sinh (bản chính)" not in shown  # what the citizen was told: only after the second factor
    assert "Còn thiếu giấy tờ" in shown
    assert "Nguyễn Thị Mai" not in shown  # no personal data before the second factor
    assert "4 số cuối" in shown

    assert "không khớp" in texts(phone.say("5679"))
    shown = phone.say("5678")
    assert "Đã xong" in texts(shown)
    actions = buttons(shown)
    assert actions["Gửi giấy tờ bổ sung"] == f"#dossier.supplement:{dossier.uuid.hex}"
    assert DossierLink.objects.filter(dossier=dossier, channel_contact__user_id=phone.user_id).exists()

    assert "Giấy chứng sinh (bản chính)" in texts(phone.tap(actions["Gửi giấy tờ bổ sung"]))
    assert "Đã nhận 1 tệp" in texts(phone.send_image())
    assert "Đã nhận 2 tệp" in texts(phone.send_file(filename="giay-chung-sinh.pdf"))
    assert "2 tệp" in texts(phone.say("xong"))
    attached = DossierAttachment.objects.filter(dossier=dossier)
    assert sorted(a.content_type for a in attached) == ["application/pdf", "image/png"]

    # postal delivery: address, fee, confirmation
    shown = phone.tap(f"#dossier.postal:{dossier.uuid.hex}")
    assert "32.000 đ" in texts(shown)
    shown = phone.say("15 Tran Hung Dao, To dan pho 2, Phuong Dong Hoa")
    assert "15 Tran Hung Dao" in texts(shown)
    assert "Đã đăng ký" in texts(phone.tap(buttons(shown)["Đồng ý"]))
    assert Dossier.objects.get(pk=dossier.pk).postal_address.startswith("15 Tran Hung Dao")

    # authorization: name, phone skipped, ID number (stored encrypted, never in the conversation log)
    phone.tap(f"#dossier.authorize:{dossier.uuid.hex}")
    phone.say("Tran Van Binh")
    phone.say("bo qua")
    shown = texts(phone.say("001203009876"))
    assert "Tran Van Binh" in shown and "********9876" in shown
    assert Dossier.objects.get(pk=dossier.pk).authorized_name == "Tran Van Binh"
    assert not ConversationStep.objects.filter(input_excerpt__contains="001203009876").exists()


def test_rating_in_english_with_typos_unknown_input_and_escape(oa, dossiers, new_phone):
    dossier = dossiers.returned
    phone = new_phone("Lê Văn Nam")
    phone.follow()
    assert "Main menu" in texts(phone.say("English"))

    shown = texts(phone.say("tra cuuu"))  # a typo in the keyword
    assert "Type the dossier code" in shown
    shown = texts(phone.say(dossier.receipt_code.replace("-", "").lower()))
    assert "Result returned" in shown and "last 4 digits" in shown
    shown = phone.say("5678")
    assert buttons(shown)["Rate the service"] == f"#dossier.rate:{dossier.uuid.hex}"
    shown = phone.tap(f"#dossier.rate:{dossier.uuid.hex}")
    assert "★★★★★" in buttons(shown)
    assert "Anything to add" in texts(phone.tap("#dossier.stars:4"))
    assert "Thank you for your rating" in texts(phone.say("very quick, thank you"))
    rating = DossierRating.objects.get(dossier=dossier)
    assert rating.stars == 4 and rating.comment == "very quick, thank you"

    shown = texts(phone.say("qwzx blorp"))
    assert "Sorry, I did not understand" in shown and "Main menu" in shown
    phone.say("1")  # the menu's first entry: look up a dossier
    assert "Main menu" in texts(phone.say("quay lai"))  # escape, without diacritics


def test_follow_from_the_receipt_qr_mentions_the_dossier(oa, dossiers, new_phone):
    phone = new_phone()
    shown = texts(phone.follow(token=dossier_token(dossiers.waiting)))
    assert dossiers.waiting.receipt_code in shown  # the dossier's "linked" notice
    assert "Hồ sơ của bạn (Đăng ký khai sinh) đã được liên kết" in shown and "Danh mục chính" in shown


def test_the_receipt_link_pasted_in_the_chat_links_and_shows_the_actions(oa, dossiers, new_phone):
    from ketnoi.dossiers.tokens import lookup_url

    phone = new_phone()
    phone.follow()
    shown = phone.say(f"Toi gui link bien nhan: {lookup_url(dossiers.ready)}")
    assert dossiers.ready.receipt_code in texts(shown) and "Đã có kết quả" in texts(shown)
    assert buttons(shown)["Ủy quyền người khác nhận"] == f"#dossier.authorize:{dossiers.ready.uuid.hex}"


def test_my_dossiers_through_the_info_form_and_a_one_time_code(oa, dossiers, new_phone):
    phone = new_phone("Nguyễn Thị Mai", phone="84912345678")
    phone.follow()
    shown = phone.say("ho so cua toi")
    assert "<form" in texts(shown)

    phone.submit_info("Nguyễn Thị Mai", "84912345678")
    codes = oa.sandbox.messages(oa_id=oa.oa_id, phone="84912345678")
    sent = [m for m in codes if (m.get("payload") or {}).get("template_id") == "tpl-otp"]
    assert len(sent) == 1
    code = sent[0]["payload"]["template_data"]["otp"]
    wrong = "000000" if code != "000000" else "111111"
    assert "Mã không đúng" in texts(phone.say(wrong))
    shown = texts(phone.say(code))
    assert dossiers.waiting.receipt_code in shown and dossiers.returned.receipt_code in shown
    assert not ConversationStep.objects.filter(input_excerpt__contains=code).exists()
    assert DossierLink.objects.filter(dossier=dossiers.waiting, channel_contact__user_id=phone.user_id).exists()


def test_the_returned_notice_asks_for_a_rating(oa, dossiers, new_phone):
    from ketnoi.dossiers.services import dossier_return_result
    from ketnoi.outbox.dispatcher import dispatch_once

    dossier = dossiers.ready
    phone = new_phone()
    phone.follow()
    phone.say(dossier.receipt_code)
    phone.say("5678")
    dossier_return_result(actor=oa.world.desk_a, dossier=Dossier.objects.get(pk=dossier.pk))
    dispatch_once(rounds=3)
    notice = phone.new_messages()
    assert buttons(notice)["Đánh giá dịch vụ"] == f"#dossier.rate:{dossier.uuid.hex}"
    phone.tap(f"#dossier.rate:{dossier.uuid.hex}")
    phone.tap("#dossier.stars:5")
    assert "Cảm ơn bạn đã đánh giá" in texts(phone.tap("#dossier.skip"))
    assert DossierRating.objects.get(dossier=dossier).stars == 5
