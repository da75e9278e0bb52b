"""Procedure questions over the sandbox: without diacritics, with typos, in Vietnamese and English."""

import pytest

from ketnoi.procedures.demo import seed as seed_procedures

from .conftest import buttons, texts


@pytest.fixture
def catalog(oa):
    seed_procedures()


def test_procedure_questions_without_diacritics_and_with_typos(oa, catalog, new_phone):
    phone = new_phone()
    phone.follow()
    shown = texts(phone.say("lam giay khai sinh can gi"))
    assert "Đăng ký khai sinh" in shown and "Tờ khai đăng ký khai sinh" in shown
    assert "Lệ phí" in shown and "1.001193" in shown

    shown = phone.say("dang ki ket hooon")  # i for y, and a typo
    assert "Đăng ký kết hôn" in texts(shown)
    assert any("/thu-tuc/" in (v or "") for v in buttons(shown).values())

    # through the menu: the number, then words; several matches give buttons to choose from
    assert "Thủ tục hành chính" in texts(phone.say("menu"))
    got = phone.say("3")
    assert "Bạn hỏi thủ tục nào" in texts(got)
    shown = phone.say("giay phep xay dung")
    choices = buttons(shown)
    assert any(p and p.startswith("#procedures.show:") for p in choices.values())
    payload = next(p for p in choices.values() if p and p.startswith("#procedures.show:"))
    assert "Giấy tờ" in texts(phone.tap(payload))


def test_procedure_answer_in_english(oa, catalog, new_phone):
    phone = new_phone()
    phone.follow()
    shown = texts(phone.say("English"))
    assert "Main menu" in shown
    shown = texts(phone.say("procedure khai tu"))
    assert "Đăng ký khai tử" in shown and "Documents:" in shown and "Fee:" in shown
    shown = texts(phone.say("birth certificate"))  # an English query finds the procedure, named in English
    assert "Birth registration (birth certificate)" in shown and "Đăng ký khai sinh (1.001193)" in shown
    choices = buttons(phone.say("ngon ngu"))
    assert choices == {"Tiếng Việt": "#lang:vi", "English": "#lang:en"}
    assert "Từ giờ tôi sẽ trả lời bằng tiếng Việt" in texts(phone.tap("#lang:vi"))
    assert "Thủ tục hành chính" in texts(phone.say("menu"))


def test_the_menu_button_starts_the_procedure_question_even_from_inside_another_flow(oa, new_phone):
    phone = new_phone()
    phone.follow()
    assert "thủ tục nào" in texts(phone.tap("#procedures"))
    assert "thủ tục nào" in texts(phone.tap("#procedures"))  # tapped again while its question is open
    phone.say("tra cuu ho so")
    assert "thủ tục nào" in texts(phone.tap("#procedures"))
