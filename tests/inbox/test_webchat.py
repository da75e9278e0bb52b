"""Web chat works like Zalo: the official's reply reaches the visitor's chat, the close message too."""

from ketnoi.channels.types.webchat.models import WebChatMessage
from ketnoi.inbox.services import back_to_bot_payload, handoff_close, handoff_open, handoff_reply
from ketnoi.outbox.dispatcher import dispatch_once


def test_reply_and_close_reach_the_web_chat_visitor(transactional_world):
    from ketnoi.channels.models import Channel

    from .conftest import make_citizen

    world = transactional_world
    channel = Channel.objects.create(unit=world.commune_a, type_code="webchat", name="Hỏi đáp")
    visitor = make_citizen(channel, "Khách truy cập")
    handoff = handoff_open(channel_contact=visitor, reason="", requested_by_citizen=True)
    handoff_reply(actor=world.desk_a, handoff=handoff, text="Chào anh, tôi là cán bộ một cửa.", token="w1")
    handoff_close(actor=world.desk_a, handoff=handoff, return_to_bot=True)
    dispatch_once(rounds=2)
    shown = list(
        WebChatMessage.objects.filter(channel=channel, visitor_id=visitor.user_id).values_list("text", flat=True)
    )
    assert shown == ["Chào anh, tôi là cán bộ một cửa.", back_to_bot_payload(handoff).text]
