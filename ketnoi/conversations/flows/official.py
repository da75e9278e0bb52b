"""Talk to an official: the citizen writes the question and the conversation is handed to the officials' inbox of
the channel's unit (ketnoi.inbox). The bot then stays silent until an official closes it or the citizen types
"menu"/"bot"."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import handoff
from ..registry import Flow, register_flow


@register_flow
class OfficialFlow(Flow):
    name = "official"
    menu_title = gettext_lazy("Talk to an official")
    menu_order = 80
    pinned = True
    keywords = (
        "gap can bo",
        "noi chuyen voi can bo",
        "can bo",
        "nguoi that",
        "tu van vien",
        "tong dai vien",
        "official",
        "human",
        "agent",
        "talk to",
    )
    transitions = {"": {"question"}, "question": {"question"}}

    def start(self, turn, argument: str = "") -> None:
        turn.ask(
            "question",
            _("Write your question in one message; an official of %(unit)s will answer here.")
            % {"unit": turn.channel.unit.name},
            flow=self.name,
        )

    def handle(self, turn, step: str) -> None:
        if not turn.text or len(turn.text) < 3:
            turn.ask("question", _("Please write your question as text."))
            return
        handoff.request(turn, reason=turn.text)
        turn.note = "handoff-open"
        turn.say(
            _(
                "Thank you. Your question was passed to the officials of %(unit)s; they answer in this chat during "
                "working hours. To go back to the automatic assistant, type “menu”."
            )
            % {"unit": turn.channel.unit.name}
        )
        turn.done()
