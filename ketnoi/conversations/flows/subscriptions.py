"""Subscriptions: the topics a follower hears about (news, policies, emergency alerts) and where they live (their
commune or ward, and residential group or village), used by broadcasts. Written through
ketnoi.broadcasts.services.subscriptions.subscription_set."""

import difflib

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ketnoi.broadcasts.models.audience import Topic
from ketnoi.broadcasts.services.subscriptions import GROUP_KINDS, subscription_for, subscription_set
from ketnoi.contacts.models import ChannelContact
from ketnoi.contacts.services import contact_choose_notice_channel
from ketnoi.core.errors import ApplicationError
from ketnoi.core.text import fold
from ketnoi.orgs.models import COMMUNE_KINDS, AdministrativeUnit

from ..registry import Choice, Flow, register_flow

TOPIC_WORDS = {
    "news": ("tin tuc", "news", "ban tin"),
    "policies": ("chinh sach", "policies", "policy", "phap luat"),
    "emergency": ("khan cap", "canh bao", "emergency", "thien tai", "bao lu"),
}
PREFIXES = (
    "phuong",
    "xa",
    "dac khu",
    "thi tran",
    "to dan pho",
    "to",
    "thon",
    "ap",
    "ban",
    "khu pho",
    "ward",
    "commune",
)


def topic_title(topic: str) -> str:
    return str(Topic(topic).label)


def _name_key(name: str) -> str:
    folded = fold(name)
    for prefix in sorted(PREFIXES, key=len, reverse=True):
        if folded.startswith(prefix + " "):
            return folded[len(prefix) + 1 :]
    return folded


def find_units(text: str, candidates) -> list[AdministrativeUnit]:
    """Units whose name (without 'Phường', 'Xã', 'Tổ dân phố'...) matches the text, ignoring diacritics and typos."""
    wanted = _name_key(text)
    if not wanted:
        return []
    units = list(candidates)
    exact = [u for u in units if _name_key(u.name) == wanted or fold(u.name) == fold(text)]
    if exact:
        return exact
    contains = [u for u in units if wanted in _name_key(u.name)]
    if contains:
        return contains[:5]
    keys = {_name_key(u.name): u for u in units}
    return [keys[k] for k in difflib.get_close_matches(wanted, list(keys), n=3, cutoff=0.75)]


def communes_of_province(unit: AdministrativeUnit):
    root = unit.path.strip("/").split("/")[0]
    return AdministrativeUnit.objects.filter(
        path__startswith=f"/{root}/", kind__in=COMMUNE_KINDS, valid_to__isnull=True
    ).order_by("name")


@register_flow
class SubscriptionsFlow(Flow):
    name = "subs"
    menu_title = gettext_lazy("News and alerts subscriptions")
    menu_order = 70
    keywords = (
        "dang ky nhan tin",
        "dang ky tin",
        "nhan tin",
        "tin tuc",
        "canh bao",
        "subscribe",
        "subscription",
        "alerts",
    )
    transitions = {
        "": {"topics", "area", "group"},
        "topics": {"topics", "area"},
        "area": {"area", "group", "topics"},
        "group": {"group", "topics"},
    }

    def available(self, turn) -> bool:
        return turn.channel.type_code != "webchat"  # broadcasts reach followers of an OA

    def current(self, turn) -> tuple[set[str], AdministrativeUnit | None, AdministrativeUnit | None]:
        subscription = subscription_for(turn.channel_contact)
        if subscription is None:
            return set(), None, None
        return set(subscription.topics), subscription.area, subscription.group

    def summary(self, turn) -> str:
        topics, area, group = self.current(turn)
        names = ", ".join(topic_title(t) for t in Topic.values if t in topics) or _("none")
        where = ", ".join(u.name for u in (group, area) if u is not None) or _("not chosen")
        text = _("You receive: %(topics)s.\nYour area: %(area)s.") % {"topics": names, "area": where}
        if self.other_chats(turn):
            chosen = turn.contact.notice_channel_contact_id
            if chosen == turn.channel_contact.pk:
                text += "\n" + _("Notices about your dossiers and petitions: on this chat.")
            elif chosen:
                text += "\n" + _("Notices about your dossiers and petitions: on the other chat you chose.")
            else:
                text += "\n" + _("Notices about your dossiers and petitions: on the chat you used last.")
        return text

    def other_chats(self, turn) -> bool:
        """The same person (one proven phone) also follows another of the province's channels."""
        return (
            ChannelContact.objects.filter(contact_id=turn.channel_contact.contact_id, channel__is_active=True)
            .exclude(pk=turn.channel_contact.pk)
            .exists()
        )

    def choices(self, turn) -> list[Choice]:
        topics, _area, _group = self.current(turn)
        choices = []
        if turn.contact.notice_channel_contact_id != turn.channel_contact.pk and self.other_chats(turn):
            choices.append(Choice(_("Notices here"), "#subs.notices"))
        for topic in Topic.values:
            mark = "✓ " if topic in topics else ""
            choices.append(Choice(f"{mark}{topic_title(topic)}", f"#subs.toggle:{topic}"))
        choices.append(Choice(_("Set my area"), "#subs.area"))
        choices.append(Choice(_("Main menu"), "#menu"))
        return choices

    def start(self, turn, argument: str = "") -> None:
        turn.goto("topics", flow=self.name)
        turn.say(self.summary(turn) + "\n" + _("Tap a topic to switch it on or off."), self.choices(turn))

    def save(self, turn, topics=None, area=None, group=None, keep_place=True) -> bool:
        current_topics, current_area, current_group = self.current(turn)
        try:
            subscription_set(
                channel_contact=turn.channel_contact,
                topics=current_topics if topics is None else topics,
                area=area if area is not None or not keep_place else current_area,
                group=group if group is not None or not keep_place else (current_group if area is None else None),
            )
        except ApplicationError as error:
            turn.say(_(error.message))
            return False
        return True

    def on_button(self, turn, action: str, argument: str) -> None:
        if action == "notices":
            contact_choose_notice_channel(channel_contact=turn.channel_contact)
            turn.say(_("From now on, notices about your dossiers and petitions come to this chat."))
            self.start(turn)
            return
        if action == "toggle" and argument in Topic.values:
            topics, _a, _g = self.current(turn)
            topics ^= {argument}
            if self.save(turn, topics=topics):
                self.start(turn)
            return
        if action == "area":
            turn.ask("area", _("Which commune or ward do you live in? Type its name, e.g. Dong Hoa."), flow=self.name)
            return
        if action == "pick":
            unit = AdministrativeUnit.objects.filter(uuid=argument).first() if len(argument) == 32 else None
            if unit is not None:
                self.picked(turn, unit)
                return
        self.start(turn)

    def handle(self, turn, step: str) -> None:
        if step == "topics":
            hits = {t for t, words in TOPIC_WORDS.items() if any(w in turn.folded for w in words)}
            if hits:
                topics, _a, _g = self.current(turn)
                if self.save(turn, topics=topics ^ hits):
                    self.start(turn)
                return
            turn.unknown()
            return
        if step == "area":
            found = find_units(turn.text, communes_of_province(turn.channel.unit))
        else:
            _t, area, _g = self.current(turn)
            found = (
                find_units(turn.text, area.children.filter(kind__in=GROUP_KINDS, valid_to__isnull=True)) if area else []
            )
        if len(found) == 1:
            self.picked(turn, found[0])
            return
        if found:
            turn.goto(step)
            turn.say(_("Which one?"), [Choice(u.name[:35], f"#subs.pick:{u.uuid.hex}") for u in found[:5]])
            return
        if turn.elsewhere():  # "gap can bo" while a place is expected
            return
        turn.goto(step)
        turn.say(
            _("I found no place called “%(text)s”. Type the name again, or 0 for the menu.") % {"text": turn.text[:40]}
        )

    def picked(self, turn, unit: AdministrativeUnit) -> None:
        if unit.kind in GROUP_KINDS:
            if self.save(turn, group=unit, area=unit.parent, keep_place=False):
                turn.say(_("Saved: %(place)s.") % {"place": f"{unit.name}, {unit.parent.name}"})
                self.start(turn)
            return
        if not self.save(turn, area=unit, keep_place=False):
            return
        groups = list(unit.children.filter(kind__in=GROUP_KINDS, valid_to__isnull=True).order_by("name")[:5])
        if groups:
            turn.ask(
                "group",
                _("Saved: %(place)s. Which residential group or village? Type its name, or 0 to finish.")
                % {"place": unit.name},
                [Choice(g.name[:35], f"#subs.pick:{g.uuid.hex}") for g in groups],
                flow=self.name,
            )
            return
        turn.say(_("Saved: %(place)s.") % {"place": unit.name})
        self.start(turn)
