"""My dossiers: every dossier filed with the person's phone, once the phone is proven by a one-time code sent to it
(conversations.services.verification). On Zalo the person may share the number through the info form (user_submit_info),
elsewhere they type it; either way it is only what they typed, so the code goes to that number and nothing about
its dossiers is shown or linked before the code comes back. Proven, the open dossiers are linked so their notices
reach this chat, and dossiers filed later with that phone link at intake (dossiers.services.dossier_link_by_phone).

The info form may also arrive outside this flow (tapped late, after a time-out): offer_code_for_shared_phone says
that dossiers exist for the number, if they do, and sends the code; that is all a typed phone ever reveals."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ketnoi.channels.types.base import EventKind
from ketnoi.core.errors import ApplicationError
from ketnoi.core.phones import InvalidPhoneNumber, normalize_phone
from ketnoi.core.redaction import mask_phone
from ketnoi.dossiers.services import (
    dossiers_exist_for_phone,
    dossiers_for_verified_phone,
    dossiers_link_verified_phone,
)
from ketnoi.dossiers.states import state_label

from ..registry import Choice, Flow, register_flow
from ..services.verification import Check, attempts_left, verification_check, verification_start

RESEND_WORDS = {"gui lai", "gui lai ma", "resend", "send again", "ma moi"}
LIST_LIMIT = 8


@register_flow
class MyDossiersFlow(Flow):
    name = "mine"
    menu_title = gettext_lazy("My dossiers")
    menu_order = 20
    keywords = ("ho so cua toi", "ho so cua minh", "cac ho so", "my dossiers", "my files")
    transitions = {"": {"phone", "code"}, "phone": {"phone", "code"}, "code": {"code", "phone"}}

    def start(self, turn, argument: str = "") -> None:
        phone = turn.contact.phone
        if phone:
            self.show_list(turn, phone)
            return
        turn.goto("phone", flow=self.name)
        if turn.channel_type.supports_request_info:
            turn.request_info(  # one message: parallel sending would not keep a form and a text in order
                _("Share your phone number"),
                _("To find your dossiers, share the phone number you gave when filing, or type it here."),
            )
        else:
            turn.say(_("To find your dossiers, type the phone number you gave when filing."))

    def handle(self, turn, step: str) -> None:
        if step == "code":
            self.check_code(turn)
            return
        if turn.event.kind == EventKind.SUBMIT_INFO:
            phone = turn.channel_contact.shared_phone
        else:
            try:
                phone = normalize_phone(turn.text)
            except InvalidPhoneNumber:
                if turn.elsewhere():
                    return
                turn.goto("phone")
                turn.say(_("That is not a phone number. Type it like 0912 345 678, or 0 for the menu."))
                return
        if not phone:
            turn.goto("phone")
            turn.say(_("No phone number was shared. Type your phone number, or 0 for the menu."))
            return
        if turn.contact.phone and turn.contact.phone == phone:  # proven by an earlier code
            self.show_list(turn, phone)
            return
        self.send_code(turn, phone)

    def send_code(self, turn, phone: str, *, found: bool = False) -> None:
        """Send a one-time code to `phone` and wait for it. `found`: say that dossiers exist for the number (all a
        number not yet proven may learn)."""
        turn.private_input = True
        try:
            verification = verification_start(channel_contact=turn.channel_contact, phone=phone)
        except ApplicationError as error:
            turn.say(_(error.message))
            turn.done()
            return
        turn.goto("code", flow=self.name)
        turn.context["phone"] = verification.phone
        values = {"phone": mask_phone(verification.phone)}
        if found:
            text = _(
                "We found dossiers for %(phone)s. To see them here and receive their notices, confirm the number: "
                "type the 6-digit code we sent to it (Zalo message or SMS)."
            )
        else:
            text = _("We sent a 6-digit code to %(phone)s (Zalo message or SMS). Type it here to see your dossiers.")
        turn.say(text % values, [Choice(_("Send a new code"), "#mine.resend")])

    def reprompt(self, turn, step: str) -> bool:
        """Waiting for the code: say so again (no new code is sent); otherwise ask for the phone again."""
        phone = turn.context.get("phone")
        if step == "code" and phone:
            turn.goto("code")
            turn.say(
                _("We sent a 6-digit code to %(phone)s (Zalo message or SMS). Type it here to see your dossiers.")
                % {"phone": mask_phone(phone)},
                [Choice(_("Send a new code"), "#mine.resend")],
            )
            return True
        self.start(turn)
        return True

    def on_button(self, turn, action: str, argument: str) -> None:
        if action == "resend" and turn.context.get("phone"):
            self.send_code(turn, turn.context["phone"])
            return
        self.start(turn)

    def check_code(self, turn) -> None:
        if turn.folded in RESEND_WORDS and turn.context.get("phone"):
            self.send_code(turn, turn.context["phone"])
            return
        turn.private_input = True
        code = "".join(ch for ch in turn.text if ch.isdigit())
        if len(code) != 6:
            turn.goto("code")
            turn.say(_("The code has 6 digits. Type it, or “resend” for a new code."))
            return
        result, verification = verification_check(channel_contact=turn.channel_contact, code=code)
        if result == Check.VERIFIED:
            turn.contact.refresh_from_db()
            turn.say(_("Thank you, your phone number is confirmed."))
            self.show_list(turn, verification.phone)
            return
        if result == Check.WRONG:
            turn.goto("code")
            turn.say(_("Wrong code. Tries left: %(left)s.") % {"left": attempts_left(verification)})
            return
        turn.say(
            _("This code can no longer be used. Tap below for a new one."),
            [Choice(_("Send a new code"), "#mine.resend")],
        )
        turn.goto("code")

    def show_list(self, turn, phone: str) -> None:
        """Only for a phone proven by a one-time code (the person's Contact has it)."""
        dossiers = list(dossiers_for_verified_phone(phone=phone)[:LIST_LIMIT])
        if not dossiers:
            turn.say(_("No dossier was filed with %(phone)s.") % {"phone": mask_phone(phone)})
            turn.done()
            return
        dossiers_link_verified_phone(contact=turn.channel_contact, phone=phone)
        lines = [_("Your dossiers (%(phone)s):") % {"phone": mask_phone(phone)}]
        for dossier in dossiers:
            lines.append(
                f"- {dossier.receipt_code}: {dossier.procedure.name[:60]} · {state_label(dossier.state, turn.language)}"
            )
        choices = [Choice(d.receipt_code, f"#dossier.show:{d.uuid.hex}") for d in dossiers[:5]]
        turn.say("\n".join(lines), choices)
        turn.done()


def offer_code_for_shared_phone(turn) -> None:
    """Zalo's info form arrived outside any flow. If open dossiers were filed with the number typed in it (and this
    person has not proven it yet), say so and send the one-time code; otherwise just thank them. Nothing else:
    the number is only what they typed."""
    phone = turn.channel_contact.shared_phone
    if not phone or turn.contact.phone == phone or not dossiers_exist_for_phone(phone=phone):
        turn.say(_("Thank you, we have your information."))
        return
    flow = MyDossiersFlow()
    turn.active = flow.name
    flow.send_code(turn, phone, found=True)
