"""Petitions in the chat: choose a category, describe the problem, add photos and the place (Zalo's location share
or typed), give the tax code for a business, confirm the contact phone, then send. The petition is filed through
petitions.services.petition_submit with this chat identity, so the acknowledgement and the answer come back here.
Buttons on the answer: "#petition.rate:<code>:<1-5>" and "#petition.reopen:<code>".

The business companion menu ("business" flow) shows only to people tagged business: policies, Q&A, feedback,
the hotline (oa.open.phone) and dossier lookup, sent as one message with those buttons.
"""

import hashlib

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ketnoi.broadcasts.models import AudienceTag
from ketnoi.channels.types.base import EventKind
from ketnoi.core.errors import ApplicationError
from ketnoi.core.phones import InvalidPhoneNumber, normalize_phone
from ketnoi.core.redaction import mask_phone
from ketnoi.petitions.codes import find_tracking_code, normalize_tax_code
from ketnoi.petitions.models import Petition, PetitionerType, Source
from ketnoi.petitions.notify import send_business_menu
from ketnoi.petitions.selectors import business_hotline, category_choices, petition_by_code
from ketnoi.petitions.services import (
    Attachment,
    Location,
    Origin,
    Petitioner,
    petition_rate,
    petition_reopen,
    petition_submit,
)
from ketnoi.petitions.states import state_label
from ketnoi.petitions.tokens import track_url

from ..registry import Choice, Flow, register_flow

DONE_WORDS = {"xong", "gui", "tiep", "tiep tuc", "khong", "bo qua", "done", "next", "skip", "no"}
YES_WORDS = {"co", "dong y", "dung", "xac nhan", "gui", "ok", "yes", "send", "confirm"}
BUSINESS_TAGS = {"business", "doanh-nghiep", "doanh nghiep"}
MAX_PHOTOS = 5


def _sent_by(petition: Petition, turn) -> bool:
    """Sent from this chat, or from another chat of the same person (one Contact: the phone proven on both), where
    its notices may now arrive (contacts.selectors)."""
    if petition.channel_contact_id is None:
        return False
    if petition.channel_contact_id == turn.channel_contact.pk:
        return True
    return petition.channel_contact.contact_id == turn.channel_contact.contact_id


def is_business(turn) -> bool:
    """Tagged business, at the provider (the person's tags) or by an official (an audience tag: a turn's fact)."""
    tags = {str(t).lower() for t in (turn.channel_contact.tags or [])}
    return bool(tags & BUSINESS_TAGS) or turn.fact("business_tagged")


def _categories(turn, business: bool):
    return list(category_choices(unit=turn.channel.unit, audience="business" if business else "citizen"))


@register_flow
class PetitionFlow(Flow):
    name = "petition"
    menu_title = gettext_lazy("Send a petition or feedback")
    menu_order = 40
    keywords = ("kien nghi", "phan anh", "khieu nai", "gop y", "petition", "feedback", "complaint")
    transitions = {
        "": {"category", "reopen"},
        "category": {"category", "text"},
        "text": {"text", "photos"},
        "photos": {"photos", "location"},
        "location": {"location", "tax_code", "phone", "confirm"},
        "tax_code": {"tax_code", "business_name"},
        "business_name": {"business_name", "phone", "confirm"},
        "phone": {"phone", "confirm"},
        "confirm": {"confirm", "category"},
        "reopen": {"reopen"},
    }

    # -- start and steps -----------------------------------------------------------------------------------

    def claims(self, turn) -> bool:
        return bool(find_tracking_code(turn.text)) or super().claims(turn)

    def start(self, turn, argument: str = "") -> None:
        turn.done()  # a fresh start, whatever step the person was at
        code = find_tracking_code(argument)
        if code:
            self.show_status(turn, code)
            return
        business = argument == "business" or is_business(turn)
        categories = _categories(turn, business)
        if not categories:
            turn.say(_("Petitions are not open on this channel yet. Please use the portal."))
            turn.done()
            return
        turn.goto("category", flow=self.name)
        turn.context.update(business=business, photos=[], category_ids=[c.pk for c in categories])
        lines = [_("What is it about? Reply with a number.")]
        lines += [f"{n}. {c.name}" for n, c in enumerate(categories, start=1)]
        turn.say("\n".join(lines), [Choice(c.name, f"#petition.category:{n}") for n, c in enumerate(categories, 1)])

    def handle(self, turn, step: str) -> None:
        getattr(self, f"step_{step}", lambda t: t.unknown())(turn)

    def reprompt(self, turn, step: str) -> bool:
        """The current question again, with everything written so far kept (the description, photos, place)."""
        data = turn.context
        if step == "category":
            self.start(turn, "business" if data.get("business") else "")
        elif step == "text":
            turn.ask(
                "text", _("Describe the problem or your question in one message (where, since when, what happens).")
            )
        elif step == "photos":
            turn.ask(
                "photos",
                _("Send photos if you have any (up to 5), then type “done”. Type “done” now to skip."),
                [Choice(_("No photos"), "#petition.skip:photos")],
            )
        elif step == "location":
            self._ask_location(turn)
        elif step == "tax_code":
            turn.ask("tax_code", _("Type your business's tax code (mã số thuế)."))
        elif step == "business_name":
            turn.ask("business_name", _("Type the business's name."))
        elif step == "phone":
            self._ask_phone(turn)
        elif step == "confirm":
            self._confirm(turn)
        elif step == "reopen":
            code = data.get("code", "")
            turn.ask(
                "reopen", _("What is still not resolved? Your petition %(code)s will be reconsidered.") % {"code": code}
            )
            turn.context["code"] = code
        else:
            return False
        return True

    def button_meaning(self, action: str, argument: str) -> str:
        code, _sep, value = argument.rpartition(":") if action == "rate" else (argument, "", "")
        if action == "rate":
            return _("Rate the answer to %(code)s: %(value)s/5") % {"code": code, "value": value}
        if action == "reopen":
            return _("Ask to reopen %(code)s") % {"code": code}
        return str(self.menu_title)

    def step_category(self, turn, number: str = "") -> None:
        ids = turn.context.get("category_ids") or []
        value = number or turn.folded
        if not value.isdigit() or not 1 <= int(value) <= len(ids):
            turn.goto("category")
            turn.say(_("Reply with a number from 1 to %(n)s, or 0 for the menu.") % {"n": len(ids)})
            return
        turn.context["category_id"] = ids[int(value) - 1]
        turn.ask("text", _("Describe the problem or your question in one message (where, since when, what happens)."))

    def step_text(self, turn) -> None:
        if turn.attachments:
            self._keep_photos(turn)
        if len(turn.text) < 10:
            turn.goto("text")
            turn.say(_("Please describe it in a few words (at least 10 characters)."))
            return
        turn.context["text"] = turn.text[:5000]
        turn.ask(
            "photos",
            _("Send photos if you have any (up to 5), then type “done”. Type “done” now to skip."),
            [Choice(_("No photos"), "#petition.skip:photos")],
        )

    def step_photos(self, turn) -> None:
        if turn.attachments:
            self._keep_photos(turn)
            turn.goto("photos")
            turn.say(
                _("Received %(n)s photo(s). Send more, or type “done”.") % {"n": len(turn.context["photos"])},
                [Choice(_("Done"), "#petition.skip:photos")],
            )
            return
        self._ask_location(turn)

    def _keep_photos(self, turn) -> None:
        photos = turn.context.setdefault("photos", [])
        for attachment in turn.attachments:
            if attachment.url and len(photos) < MAX_PHOTOS:
                photos.append({"url": attachment.url, "name": attachment.name or attachment.type})

    def _ask_location(self, turn) -> None:
        turn.ask(
            "location",
            _("Where is it? Share your location, or type the address or a landmark. Type “skip” to skip."),
            [Choice(_("Skip"), "#petition.skip:location")],
        )

    def step_location(self, turn) -> None:
        if turn.location is not None:
            turn.context["latitude"] = turn.location.latitude
            turn.context["longitude"] = turn.location.longitude
            turn.context["place"] = turn.location.name or ""
        elif turn.folded not in DONE_WORDS:
            turn.context["place"] = turn.text[:300]
        self._after_location(turn)

    def _after_location(self, turn) -> None:
        if turn.context.get("business"):
            turn.ask("tax_code", _("Type your business's tax code (mã số thuế)."))
            return
        self._ask_phone(turn)

    def step_tax_code(self, turn) -> None:
        try:
            turn.context["tax_code"] = normalize_tax_code(turn.text)
        except ApplicationError as exc:
            turn.goto("tax_code")
            turn.say(exc.message + " " + _("Type it again, or 0 for the menu."))
            return
        turn.ask("business_name", _("Type the business's name."))

    def step_business_name(self, turn) -> None:
        if len(turn.text) < 2:
            turn.goto("business_name")
            turn.say(_("Type the business's name."))
            return
        turn.context["business_name"] = turn.text[:200]
        self._ask_phone(turn)

    def _ask_phone(self, turn) -> None:
        phone = turn.channel_contact.shared_phone or turn.contact.phone
        if phone:
            turn.context["phone"] = phone
            self._confirm(turn)
            return
        turn.goto("phone")
        if turn.channel_type.supports_request_info:
            turn.request_info(
                _("Your phone number"), _("Share your phone number so we can reach you about the answer.")
            )
            turn.say(_("Tap “Share” on the form above, or type your phone number."))
        else:
            turn.say(_("Type your phone number, so we can reach you about the answer."))

    def step_phone(self, turn) -> None:
        if turn.event.kind == EventKind.SUBMIT_INFO:
            phone = turn.channel_contact.shared_phone or str(turn.event.info.get("phone") or "")
            if turn.event.info.get("name"):
                turn.context["name"] = str(turn.event.info["name"])[:200]
        else:
            phone = turn.text
        try:
            turn.context["phone"] = normalize_phone(phone)
        except InvalidPhoneNumber:
            turn.goto("phone")
            turn.say(_("That is not a phone number. Type it like 0912 345 678, or 0 for the menu."))
            return
        self._confirm(turn)

    def _confirm(self, turn) -> None:
        data = turn.context
        text = data.get("text", "")
        summary = _("Please check:\n%(text)s\nPhotos: %(photos)s · Place: %(place)s · Phone: %(phone)s") % {
            "text": text[:300] + ("…" if len(text) > 300 else ""),
            "photos": len(data.get("photos") or []),
            "place": data.get("place") or "—",
            "phone": mask_phone(data.get("phone", "")),
        }
        if data.get("business"):
            summary += "\n" + _("Business: %(name)s · tax code %(code)s") % {
                "name": data.get("business_name", ""),
                "code": data.get("tax_code", ""),
            }
        turn.ask(
            "confirm",
            summary,
            [Choice(_("Send"), "#petition.send"), Choice(_("Start again"), "#petition.restart")],
        )

    def step_confirm(self, turn) -> None:
        if turn.folded in YES_WORDS:
            self.send(turn)
            return
        turn.goto("confirm")
        turn.say(_("Tap “Send” to send the petition, or 0 to cancel."), [Choice(_("Send"), "#petition.send")])

    def send(self, turn) -> None:
        data = turn.context
        category = next(
            (c for c in _categories(turn, bool(data.get("business"))) if c.pk == data.get("category_id")), None
        )
        if category is None or not data.get("text"):
            self.start(turn)
            return
        name = data.get("name") or turn.channel_contact.display_name or turn.contact.name or _("Zalo user")
        try:
            petition = petition_submit(
                category=category,
                area=turn.channel.unit,
                subject="",
                text=data["text"],
                petitioner=Petitioner(
                    name=name,
                    type=PetitionerType.BUSINESS if data.get("business") else PetitionerType.CITIZEN,
                    phone=data.get("phone", ""),
                    business_name=data.get("business_name") or (name if data.get("business") else ""),
                    tax_code=data.get("tax_code", ""),
                    language=turn.language,
                ),
                location=Location(
                    text=data.get("place", ""), latitude=data.get("latitude"), longitude=data.get("longitude")
                ),
                origin=Origin(
                    source=Source.CHAT,
                    channel_contact=turn.channel_contact,
                    attachments=[Attachment(url=p["url"], name=p.get("name", "")) for p in data.get("photos") or []],
                ),
            )
        except ApplicationError as exc:
            turn.goto("confirm")
            turn.say(exc.message)
            return
        turn.note = f"petition {petition.tracking_code}"
        turn.done()  # the acknowledgement with the tracking code comes from the petitions app, in this transaction

    # -- buttons -------------------------------------------------------------------------------------------

    def on_button(self, turn, action: str, argument: str) -> None:
        if action == "category" and turn.flow_name == self.name:
            self.step_category(turn, argument)
        elif action == "skip" and turn.flow_name == self.name:
            if argument == "photos":
                self._ask_location(turn)
            else:
                self._after_location(turn)
        elif action == "send" and turn.step == "confirm":
            self.send(turn)
        elif action == "restart":
            self.start(turn)
        elif action == "rate":
            self.rate(turn, argument)
        elif action == "reopen":
            self.ask_reopen(turn, argument)
        else:
            self.start(turn, argument)

    def _own_petition(self, turn, code: str) -> Petition | None:
        petition = petition_by_code(code)
        if petition is None or not _sent_by(petition, turn):
            turn.say(_("This petition was not sent from this chat."))
            turn.done()
            return None
        return petition

    def show_status(self, turn, code: str) -> None:
        """The status of a petition by its tracking code: details only for the chat it was sent from."""
        petition = petition_by_code(code)
        if petition is None:
            turn.say(_("No petition has the code %(code)s.") % {"code": code})
            return
        values = {
            "code": petition.tracking_code,
            "status": state_label(petition.state, turn.language),
            "agency": petition.owner_agency.name,
            "due": petition.answer_due.strftime("%d/%m/%Y") if petition.answer_due else "—",
        }
        text = _("Petition %(code)s: %(status)s. Handled by %(agency)s, answer due %(due)s.") % values
        if _sent_by(petition, turn):
            turn.say(text, [Choice(_("Open the petition"), url=track_url(petition))])
        else:
            turn.say(text)

    def rate(self, turn, argument: str) -> None:
        code, _sep, value = argument.rpartition(":")
        petition = self._own_petition(turn, code)
        if petition is None:
            return
        try:
            petition_rate(petition=petition, rating=int(value) if value.isdigit() else 0)
        except ApplicationError as exc:
            turn.say(exc.message)
        else:
            turn.say(_("Thank you for rating the answer to %(code)s.") % {"code": petition.tracking_code})
        turn.done()

    def ask_reopen(self, turn, code: str) -> None:
        petition = self._own_petition(turn, code)
        if petition is None:
            return
        turn.done()
        turn.goto("reopen", flow=self.name)
        turn.context["code"] = petition.tracking_code
        turn.say(_("What is still not resolved? Your petition %(code)s will be reconsidered.") % {"code": code})

    def step_reopen(self, turn) -> None:
        petition = self._own_petition(turn, turn.context.get("code", ""))
        if petition is None:
            return
        try:
            petition_reopen(petition=petition, reason=turn.text)
        except ApplicationError as exc:
            turn.say(exc.message)
        turn.done()  # the confirmation with the new answer date comes from the petitions app


@register_flow
class BusinessFlow(Flow):
    """The business companion menu, for people tagged business."""

    name = "business"
    menu_title = gettext_lazy("Businesses")
    menu_order = 42
    keywords = ("doanh nghiep", "business", "chinh sach doanh nghiep")
    transitions = {}

    def facts(self) -> dict:
        tagged = AudienceTag.objects.filter(channel_contact=OuterRef("channel_contact"), name__in=BUSINESS_TAGS)
        return {"business_tagged": Exists(tagged)}

    def available(self, turn) -> bool:
        return is_business(turn)

    def start(self, turn, argument: str = "") -> None:
        key = hashlib.sha256(turn.event.dedup_key.encode()).hexdigest()[:40]
        send_business_menu(channel_contact=turn.channel_contact, key=key, hotline=business_hotline())
        turn.note = "business menu"
        turn.done()
