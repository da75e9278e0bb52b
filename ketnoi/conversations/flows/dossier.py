"""What a linked citizen does with a dossier from the chat (buttons "#dossier.<action>:<uuid>" under its status):
send the missing documents as photos or files, have the result sent by post, authorize someone to collect it, and
rate the service once it is returned. Each action reuses the dossier services behind the portal's citizen actions.
"""

from django.utils.translation import gettext as _

from ketnoi.core.errors import ApplicationError
from ketnoi.dossiers.models import Dossier, EventSource
from ketnoi.dossiers.services import (
    dossier_authorize_collector,
    dossier_rate,
    dossier_register_postal,
    postal_fee_for,
)
from ketnoi.dossiers.states import State

from ..dossier_view import action_choices, dossier_by_uuid, is_linked, status_text
from ..media import schedule_attachment
from ..registry import Choice, Flow, register_flow
from .procedures import money

DONE_WORDS = {"xong", "da xong", "het", "hoan tat", "done", "finished", "ok xong", "gui xong"}
YES_WORDS = {"co", "dong y", "xac nhan", "yes", "ok", "y", "dung", "1"}
NO_WORDS = {"khong", "no", "n", "thoi", "2"}
SKIP_WORDS = {"bo qua", "khong co", "skip", "khong", "-"}
MAIN_MENU = "#menu"


def _reason(error: ApplicationError) -> str:
    return _(error.message)


@register_flow
class DossierFlow(Flow):
    name = "dossier"
    menu_title = None  # reached from a dossier's status (lookup, my dossiers, notices)
    menu_order = 15
    transitions = {
        "": {"files", "address", "auth_name", "stars"},
        "files": {"files"},
        "address": {"address", "postal_confirm"},
        "postal_confirm": {"postal_confirm", "address"},
        "auth_name": {"auth_name", "auth_phone"},
        "auth_phone": {"auth_phone", "auth_id"},
        "auth_id": {"auth_id"},
        "stars": {"stars", "comment"},
        "comment": {"comment"},
    }

    def start(self, turn, argument: str = "") -> None:
        turn.start_flow("lookup", argument)

    def _dossier(self, turn, uuid: str) -> Dossier | None:
        dossier = dossier_by_uuid(uuid)
        if dossier is None or not is_linked(turn.channel_contact, dossier):
            turn.say(_("This dossier is not linked to you. Look it up by its code first."))
            turn.start_flow("lookup")
            return None
        return dossier

    def current(self, turn) -> Dossier | None:
        return dossier_by_uuid(turn.context.get("dossier", ""))

    def button_meaning(self, action: str, argument: str) -> str:
        titles = {
            "supplement": _("Send the documents"),
            "postal": _("Result by post"),
            "authorize": _("Authorize someone"),
            "rate": _("Rate the service"),
            "show": _("Show the dossier"),
        }
        dossier = dossier_by_uuid(argument) if action in titles else None
        title = titles.get(action, action)
        return f"{title} · {dossier.receipt_code}" if dossier is not None else str(title)

    def reprompt(self, turn, step: str) -> bool:
        """The current question again, the answers so far kept (files received, the name typed...)."""
        dossier = self.current(turn)
        if dossier is None:
            return False
        if step == "files":
            received = turn.context.get("received", 0)
            self.start_supplement(turn, dossier)
            turn.context["received"] = received
        elif step == "address":
            self.start_postal(turn, dossier)
        elif step == "postal_confirm":
            turn.goto("postal_confirm")
            turn.say(
                _("Send the result of %(code)s to: %(address)s, for %(fee)s?")
                % {
                    "code": dossier.receipt_code,
                    "address": turn.context.get("address", ""),
                    "fee": money(postal_fee_for(dossier)),
                },
                [Choice(_("Yes"), "#dossier.confirm:yes"), Choice(_("No"), "#dossier.confirm:no")],
            )
        elif step == "auth_name":
            self.start_authorize(turn, dossier)
        elif step == "auth_phone":
            turn.goto("auth_phone")
            turn.say(_("Their phone number (or tap Skip):"), [Choice(_("Skip"), "#dossier.skip")])
        elif step == "auth_id":
            turn.goto("auth_id")
            turn.say(_("Last, type their ID number (CCCD, 12 digits). It is stored encrypted and shown masked."))
        elif step == "stars":
            self.start_rating(turn, dossier)
        elif step == "comment":
            turn.goto("comment")
            turn.say(
                _("Thank you. Anything to add? Type a comment, or tap Skip."), [Choice(_("Skip"), "#dossier.skip")]
            )
        else:
            return False
        return True

    # -- buttons -----------------------------------------------------------------------------------------------

    def on_button(self, turn, action: str, argument: str) -> None:
        if action == "stars" and turn.flow_name == self.name and turn.step == "stars":
            self.handle(turn, "stars", stars=argument)
            return
        if action == "skip" and turn.flow_name == self.name:
            self.handle(turn, turn.step, skip=True)
            return
        if action == "confirm" and turn.flow_name == self.name and turn.step == "postal_confirm":
            self.handle(turn, "postal_confirm", confirmed=argument == "yes")
            return
        dossier = self._dossier(turn, argument)
        if dossier is None:
            return
        if action == "show":
            turn.say(status_text(dossier, turn.language), [*action_choices(dossier), Choice(_("Main menu"), MAIN_MENU)])
            turn.done()
            return
        starter = {
            "supplement": self.start_supplement,
            "postal": self.start_postal,
            "authorize": self.start_authorize,
            "rate": self.start_rating,
        }.get(action)
        if starter is None:
            turn.unknown()
            return
        starter(turn, dossier)

    def handle(self, turn, step: str, **extra) -> None:
        dossier = self.current(turn)
        if dossier is None:
            turn.done()
            turn.show_menu()
            return
        getattr(self, f"step_{step}")(turn, dossier, **extra)

    # -- supplement --------------------------------------------------------------------------------------------

    def start_supplement(self, turn, dossier: Dossier) -> None:
        if dossier.state != State.SUPPLEMENT_REQUESTED:
            turn.say(_("Dossier %(code)s is not waiting for documents.") % {"code": dossier.receipt_code})
            turn.done()
            return
        turn.goto("files", flow=self.name)
        turn.context.update(dossier=dossier.uuid.hex, received=0)
        missing = "\n".join(f"- {item}" for item in dossier.supplement_items)
        turn.say(
            _("Send photos (JPEG, PNG) or PDF files of the missing documents:")
            + f"\n{missing}\n"
            + _("Type “done” when you have sent everything."),
            [Choice(_("I have sent everything"), "#dossier.skip")],
        )

    def step_files(self, turn, dossier: Dossier, skip: bool = False) -> None:
        if turn.attachments:
            key = f"conv:{turn.channel.pk}:{turn.event.dedup_key}"[:80]
            for number, attachment in enumerate(turn.attachments):
                name = attachment.name or ("anh.jpg" if attachment.type == "image" else "tai-lieu.pdf")
                schedule_attachment(
                    channel_contact=turn.channel_contact,
                    dossier_uuid=dossier.uuid.hex,
                    url=attachment.url,
                    name=name,
                    key=f"{key}:{number}",
                )
            turn.context["received"] = turn.context.get("received", 0) + len(turn.attachments)
            turn.goto("files")
            turn.say(
                _(
                    "Received %(count)s file(s) for dossier %(code)s. Send more, or type “done” when you have sent everything."
                )
                % {"count": turn.context["received"], "code": dossier.receipt_code},
                [Choice(_("I have sent everything"), "#dossier.skip")],
            )
            return
        if skip or turn.folded in DONE_WORDS:
            count = turn.context.get("received", 0)
            if count:
                turn.say(
                    _("Thank you. %(count)s file(s) were sent for dossier %(code)s; an officer will check them.")
                    % {"count": count, "code": dossier.receipt_code}
                )
            else:
                turn.say(_("No file was sent. You can send them later from the dossier's status."))
            turn.done()
            return
        turn.goto("files")
        turn.say(_("Please send a photo or a PDF file, or type “done” when you have sent everything."))

    # -- postal delivery ---------------------------------------------------------------------------------------

    def start_postal(self, turn, dossier: Dossier) -> None:
        turn.goto("address", flow=self.name)
        turn.context["dossier"] = dossier.uuid.hex
        fee = money(postal_fee_for(dossier))
        text = _("The result of %(code)s can be sent by post for %(fee)s. Type the full delivery address.") % {
            "code": dossier.receipt_code,
            "fee": fee,
        }
        shared = turn.channel_contact.shared_address
        turn.say(text, [Choice(shared[:35], "#dossier.skip")] if shared else [])

    def step_address(self, turn, dossier: Dossier, skip: bool = False) -> None:
        address = turn.channel_contact.shared_address if skip else turn.text
        if len(address.strip()) < 10:
            turn.goto("address")
            turn.say(_("Please type the full address: house number, street, residential group, commune or ward."))
            return
        turn.context["address"] = address.strip()[:300]
        turn.goto("postal_confirm")
        turn.say(
            _("Send the result of %(code)s to: %(address)s, for %(fee)s?")
            % {"code": dossier.receipt_code, "address": turn.context["address"], "fee": money(postal_fee_for(dossier))},
            [Choice(_("Yes"), "#dossier.confirm:yes"), Choice(_("No"), "#dossier.confirm:no")],
        )

    def step_postal_confirm(self, turn, dossier: Dossier, confirmed: bool | None = None) -> None:
        if confirmed is None:
            confirmed = True if turn.folded in YES_WORDS else False if turn.folded in NO_WORDS else None
        if confirmed is None:
            turn.goto("postal_confirm")
            turn.say(
                _("Please answer yes or no."),
                [Choice(_("Yes"), "#dossier.confirm:yes"), Choice(_("No"), "#dossier.confirm:no")],
            )
            return
        if not confirmed:
            turn.say(_("Nothing was registered."))
            turn.done()
            return
        try:
            dossier_register_postal(
                actor=None, dossier=dossier, address=turn.context.get("address", ""), source=EventSource.CITIZEN
            )
        except ApplicationError as error:
            turn.say(_("It could not be registered: %(reason)s") % {"reason": _reason(error)})
            turn.done()
            return
        turn.say(
            _("Registered: the result of %(code)s will be sent by post to %(address)s.")
            % {"code": dossier.receipt_code, "address": turn.context.get("address", "")}
        )
        turn.done()

    # -- authorization -----------------------------------------------------------------------------------------

    def start_authorize(self, turn, dossier: Dossier) -> None:
        if not dossier.procedure.allows_authorization:
            turn.say(_("This procedure requires you in person: the result cannot be collected by someone else."))
            turn.done()
            return
        turn.goto("auth_name", flow=self.name)
        turn.context["dossier"] = dossier.uuid.hex
        turn.say(_("Who will collect the result of %(code)s? Type their full name.") % {"code": dossier.receipt_code})

    def step_auth_name(self, turn, dossier: Dossier, skip: bool = False) -> None:
        if len(turn.text) < 3:
            turn.goto("auth_name")
            turn.say(_("Please type the full name of the person."))
            return
        turn.context["name"] = turn.text[:200]
        turn.goto("auth_phone")
        turn.say(_("Their phone number (or tap Skip):"), [Choice(_("Skip"), "#dossier.skip")])

    def step_auth_phone(self, turn, dossier: Dossier, skip: bool = False) -> None:
        from ketnoi.core.phones import InvalidPhoneNumber, normalize_phone

        phone = ""
        if not skip and turn.folded not in SKIP_WORDS:
            try:
                phone = normalize_phone(turn.text)
            except InvalidPhoneNumber:
                turn.goto("auth_phone")
                turn.say(
                    _("That phone number is not valid. Type it again, or tap Skip."),
                    [Choice(_("Skip"), "#dossier.skip")],
                )
                return
        turn.context["phone"] = phone
        turn.goto("auth_id")
        turn.say(_("Last, type their ID number (CCCD, 12 digits). It is stored encrypted and shown masked."))

    def step_auth_id(self, turn, dossier: Dossier, skip: bool = False) -> None:
        turn.private_input = True
        digits = "".join(ch for ch in turn.text if ch.isdigit())
        if len(digits) not in (9, 12):
            turn.goto("auth_id")
            turn.say(_("An ID number has 12 digits (or 9 for an old card). Type it again."))
            return
        try:
            dossier = dossier_authorize_collector(
                actor=None,
                dossier=dossier,
                name=turn.context.get("name", ""),
                id_number=digits,
                phone=turn.context.get("phone", ""),
                source=EventSource.CITIZEN,
            )
        except ApplicationError as error:
            turn.say(_("It could not be registered: %(reason)s") % {"reason": _reason(error)})
            turn.done()
            return
        turn.say(
            _("Registered: %(name)s (ID %(id)s) may collect the result of %(code)s, with their ID card.")
            % {"name": dossier.authorized_name, "id": dossier.authorized_id_masked, "code": dossier.receipt_code}
        )
        turn.done()

    # -- rating ------------------------------------------------------------------------------------------------

    def start_rating(self, turn, dossier: Dossier) -> None:
        if dossier.state != State.RESULT_RETURNED:
            turn.say(_("You can rate the service once the result is returned."))
            turn.done()
            return
        turn.goto("stars", flow=self.name)
        turn.context["dossier"] = dossier.uuid.hex
        turn.say(
            _("How satisfied are you with the handling of %(code)s? 5 is very satisfied, 1 not satisfied.")
            % {"code": dossier.receipt_code},
            [Choice("★" * n, f"#dossier.stars:{n}") for n in (5, 4, 3, 2, 1)],
        )

    def step_stars(self, turn, dossier: Dossier, stars: str = "", skip: bool = False) -> None:
        value = stars or "".join(ch for ch in turn.text if ch.isdigit())[:1] or str(turn.text.count("★"))
        if value not in {"1", "2", "3", "4", "5"}:
            turn.goto("stars")
            turn.say(_("Please choose from 1 to 5."), [Choice("★" * n, f"#dossier.stars:{n}") for n in (5, 4, 3, 2, 1)])
            return
        turn.context["stars"] = int(value)
        turn.goto("comment")
        turn.say(_("Thank you. Anything to add? Type a comment, or tap Skip."), [Choice(_("Skip"), "#dossier.skip")])

    def step_comment(self, turn, dossier: Dossier, skip: bool = False) -> None:
        comment = "" if skip or turn.folded in SKIP_WORDS else turn.text
        try:
            dossier_rate(dossier=dossier, stars=turn.context.get("stars"), comment=comment, source=EventSource.CITIZEN)
        except ApplicationError as error:
            turn.say(_("The rating could not be recorded: %(reason)s") % {"reason": _reason(error)})
            turn.done()
            return
        turn.say(_("Thank you for your rating of %(code)s.") % {"code": dossier.receipt_code})
        turn.done()
