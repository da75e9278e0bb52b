"""Following a demo OA in the sandbox gets the welcome, through the real webhook, worker and dispatcher."""

from ketnoi.contacts.models import ChannelContact
from ketnoi.outbox.dispatcher import dispatch_once
from ketnoi.outbox.models import OutboundMessage
from tests.channels.conftest import run_inbound_queue
from tests.sandbox_oa import connect_sandbox_oa


def test_a_new_follower_gets_the_welcome_once(zalo_sandbox, transactional_world, live_server):
    channel, created = connect_sandbox_oa(
        zalo_sandbox, unit=transactional_world.commune_a, live_server_url=live_server.url, name="Phường Đông Hòa"
    )
    person = zalo_sandbox.create_user("Nguyễn Thị Hoa")
    followed = zalo_sandbox.follow(person["uid"], created["oa_id"], source="qr")
    zalo_sandbox.wait_deliveries(created["oa_id"], "follow")
    run_inbound_queue()
    dispatch_once(rounds=3)

    welcome = zalo_sandbox.messages(oa_id=created["oa_id"], user_id=followed["user_id"])
    assert len(welcome) == 1
    assert "Phường Đông Hòa" in welcome[0]["text"]
    assert ChannelContact.objects.get(channel=channel, user_id=followed["user_id"]).is_follower

    # Unfollowing sends nothing more.
    zalo_sandbox.unfollow(person["uid"], created["oa_id"])
    run_inbound_queue()
    dispatch_once(rounds=2)
    assert len(zalo_sandbox.messages(oa_id=created["oa_id"], user_id=followed["user_id"])) == 1
    assert OutboundMessage.objects.filter(source_type="follow").count() == 1


def test_the_welcome_speaks_the_contacts_language_and_links_the_portal(world, settings):
    from ketnoi.channels.services import webchat_channel_create
    from ketnoi.conversations.welcome import welcome_payload

    settings.PUBLIC_BASE_URL = "https://dichvucong.binhson.example"
    webchat = webchat_channel_create(actor=None, unit=world.province, name="Hỏi đáp")
    english, vietnamese = welcome_payload(webchat, "en"), welcome_payload(webchat, "vi")
    assert english.text.startswith("Welcome to Hỏi đáp") and vietnamese.text.startswith("Chào mừng bạn đến với Hỏi đáp")
    links = {b.value for b in english.buttons}
    assert (
        "https://dichvucong.binhson.example/tra-cuu/" in links
        and "https://dichvucong.binhson.example/thu-tuc/" in links
    )
