"""Dossier lookup by receipt code, typed any way ("ho so h90.90001 261124 0007", "H9090001-2611240007"), or by the
receipt's QR link pasted in the chat (the dossiers handler links it). Shows the public status; a person not yet
linked can link with the last four digits of the applicant's phone (dossiers.services.dossier_link_by_code) to get
the notices and the actions (documents, post, authorization, rating)."""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ketnoi.core.errors import ApplicationError
from ketnoi.dossiers.models import Dossier
from ketnoi.dossiers.services import dossier_link_by_code
from ketnoi.dossiers.tokens import dossier_from_token, find_token

from ..codes import candidate_codes, find_dossier, looks_like_code
from ..dossier_view import action_choices, is_linked, status_text
from ..registry import Choice, Flow, register_flow


def show_dossier(turn, dossier: Dossier) -> None:
    """The status, and what the person can do: act if linked, else link with the phone digits."""
    if is_linked(turn.channel_contact, dossier):
        choices = action_choices(dossier)
        turn.say(status_text(dossier, turn.language), [*choices, Choice(_("Main menu"), "#menu")])
        turn.done()
        return
    turn.ask(
        "digits",
        status_text(dossier, turn.language, full=False)
        + "\n\n"
        + _(
            "To receive this dossier's notices here and act on it, type the last 4 digits of the phone number "
            "given when filing. Type 0 to skip."
        ),
        flow="lookup",
    )
    turn.context["code"] = dossier.receipt_code  # after entering the flow, which starts with empty values


PRINTED = re.compile(r"-\d{6}-\d{4}$")


@register_flow
class LookupFlow(Flow):
    name = "lookup"
    menu_title = gettext_lazy("Look up a dossier")
    menu_order = 10
    keywords = ("tra cuu", "ma ho so", "ho so", "kiem tra ho so", "tinh trang", "look up", "dossier", "status")
    transitions = {"": {"code", "digits"}, "code": {"code", "digits"}, "digits": {"digits", "code"}}

    def claims(self, turn) -> int:
        if find_token(turn.text) or self.find(turn, turn.text)[0] is not None:
            return 100
        if any(PRINTED.search(code) for code in candidate_codes(turn.text)):
            return 50  # shaped like a receipt code: say that no dossier has it
        return super().claims(turn)

    def start(self, turn, argument: str = "") -> None:
        if argument and self.lookup(turn, argument):
            return
        turn.ask(
            "code",
            _("Type the dossier code printed on your receipt, for example H90.90001-261124-0007."),
            flow=self.name,
        )

    def lookup(self, turn, text: str) -> bool:
        token = find_token(text)
        dossier = dossier_from_token(token) if token else None
        if dossier is None:
            dossier, code = self.find(turn, text)
            if dossier is None:
                if not code:
                    return False
                turn.ask(
                    "code",
                    _("No dossier has the code %(code)s. Check the code on your receipt and type it again, or type 0.")
                    % {"code": code},
                    flow=self.name,
                )
                return True
        show_dossier(turn, dossier)
        return True

    def find(self, turn, text: str):
        """find_dossier, once per turn for the same text (claims() looks, then start() shows what it found)."""
        key = f"lookup:{text}"
        if key not in turn.memo:
            turn.memo[key] = find_dossier(text)
        return turn.memo[key]

    def handle(self, turn, step: str) -> None:
        if step == "digits":
            self.link(turn)
            return
        if not self.lookup(turn, turn.text) and not turn.elsewhere():
            turn.ask("code", _("That does not look like a dossier code. Type the code from your receipt, or 0."))

    def on_button(self, turn, action: str, argument: str) -> None:
        self.start(turn, argument)

    def reprompt(self, turn, step: str) -> bool:
        """Waiting for the phone digits: the dossier's status and the question again; otherwise ask for the code."""
        if step == "digits" and turn.context.get("code"):
            dossier, _code = find_dossier(turn.context["code"])
            if dossier is not None:
                show_dossier(turn, dossier)
                return True
        self.start(turn)
        return True

    def link(self, turn) -> None:
        digits = "".join(ch for ch in turn.text if ch.isdigit())
        code = turn.context.get("code", "")
        if looks_like_code(turn.text) and len(digits) != 4:
            self.handle(turn, "code")
            return
        if len(digits) != 4:
            turn.ask("digits", _("Please type exactly 4 digits: the end of the phone number. Or type 0 to skip."))
            return
        turn.private_input = True
        try:  # not in a savepoint of ours: a failed try must stay recorded for the limit to hold
            dossier = dossier_link_by_code(contact=turn.channel_contact, code=code, phone_last_digits=digits)
        except ApplicationError as error:
            if error.code == "rate_limited":
                turn.say(_("Too many tries. Please wait an hour, or ask at the desk."))
                turn.done()
                return
            left = error.extra.get("left", 0)
            turn.ask(
                "digits",
                _("These digits do not match the dossier. Tries left this hour: %(left)s.") % {"left": left},
            )
            return
        turn.say(
            _("Done: you will receive the notices of dossier %(code)s here.") % {"code": dossier.receipt_code},
            [*action_choices(dossier), Choice(_("Main menu"), "#menu")],
        )
        turn.done()
