"""The news archive in the chat, over the sandbox: "tin tuc" lists the latest items for the citizen's area, and a
search typed without diacritics (Vietnamese or English) finds what was broadcast, never a training broadcast."""

from tests.conversations.conftest import new_phone, oa, texts  # noqa: F401  (fixtures)

from .conftest import new_channel, new_follower
from .helpers import sent


def test_news_in_the_chat_search_without_diacritics_in_vietnamese_and_english(oa, new_phone):  # noqa: F811
    world = oa.world
    archive_channel = new_channel(world.commune_a)  # another OA's followers receive them; the archive is public
    new_follower(archive_channel, "someone")
    common = {"subscribers_only": False}
    sent(
        world.editor,
        world.leader_a,
        world.commune_a,
        [archive_channel],
        title="Lịch cắt nước tuần này",
        text="Cắt nước từ 8 giờ thứ Bảy để sửa đường ống.",
        text_en="Water is cut from 8 am on Saturday.",
        **common,
    )
    sent(
        world.editor,
        world.leader_a,
        world.commune_a,
        [archive_channel],
        topic="policies",
        title="Hỗ trợ học phí năm học mới",
        text="Miễn học phí cho học sinh tiểu học.",
        **common,
    )
    sent(world.editor, world.leader_a, world.commune_a, [archive_channel], title="Bản tập huấn cắt nước",
         text="Thử nghiệm cắt nước.", is_training=True, **common)  # fmt: skip

    phone = new_phone()
    phone.follow()
    latest = texts(phone.say("tin tuc"))
    assert "Lịch cắt nước tuần này" in latest and "Hỗ trợ học phí năm học mới" in latest
    assert "tập huấn" not in latest
    found = texts(phone.say("cat nuoc"))  # the search words, typed next, without diacritics
    assert "Lịch cắt nước tuần này" in found and "học phí" not in found and "tập huấn" not in found
    assert "Hỗ trợ học phí" in texts(phone.say("chinh sach hoc phi"))  # keyword and words in one message

    phone.say("english")
    english = texts(phone.say("news water cut"))
    assert "Water is cut from 8 am on Saturday." in english and "See on the portal" in english
    assert "No news or policy matches" in texts(phone.say("news typhoon"))
