"""Join my residential group: a household joins its community group from the chat (the Song Cau pattern: the ward
reaches households through their residential group and its leader). The person picks their group among those the
OA serves (buttons, or its name typed any way), then writes their house number; they join the household the ward
listed for that house, or a new one the ward's officials see as joined from the chat
(ketnoi.broadcasts.services.household_join)."""

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ketnoi.broadcasts.models import CommunityGroup, GroupMember, GroupRole
from ketnoi.broadcasts.services import household_join, member_remove
from ketnoi.core.errors import ApplicationError
from ketnoi.core.text import fold

from ..registry import Choice, Flow, register_flow
from .subscriptions import find_units

MAX_BUTTONS = 5


def served_groups(turn):
    """The community groups of the communes this OA serves (its unit's subtree, or the unit's commune)."""
    path = turn.channel.unit.path
    return CommunityGroup.objects.filter(unit__path__startswith=path).select_related("unit", "residential_group")


@register_flow
class CommunityFlow(Flow):
    name = "community"
    menu_title = gettext_lazy("Join my residential group")
    menu_order = 75
    keywords = (
        "to dan pho",
        "tham gia to",
        "nhom to",
        "to truong",
        "thon cua toi",
        "khu pho",
        "residential group",
        "my group",
        "join group",
    )
    transitions = {"": {"group", "house"}, "group": {"group", "house"}, "house": {"house", "group"}}

    def facts(self) -> dict:
        served = CommunityGroup.objects.filter(unit__path__startswith=OuterRef("channel_contact__channel__unit__path"))
        return {"community_groups_served": Exists(served)}

    def available(self, turn) -> bool:
        return turn.channel.type_code != "webchat" and turn.fact("community_groups_served")

    def membership(self, turn) -> GroupMember | None:
        return (
            GroupMember.objects.filter(channel_contact=turn.channel_contact)
            .select_related("group__unit", "household")
            .order_by("-joined_at")
            .first()
        )

    def leaders(self, group: CommunityGroup) -> str:
        names = [
            m.channel_contact.display_name or m.channel_contact.contact.name
            for m in group.members.filter(role=GroupRole.LEADER).select_related("channel_contact__contact")
        ]
        return ", ".join(n for n in names if n)

    def start(self, turn, argument: str = "") -> None:
        member = self.membership(turn)
        if member is not None:
            text = _("You are in %(group)s (%(commune)s), household: %(house)s.") % {
                "group": member.group.name,
                "commune": member.group.unit.name,
                "house": member.household.label if member.household else _("not given"),
            }
            leaders = self.leaders(member.group)
            if leaders:
                text += "\n" + _("Group leader: %(names)s.") % {"names": leaders}
            turn.say(
                text,
                [
                    Choice(_("Change group or house"), "#community.change"),
                    Choice(_("Leave the group"), "#community.leave"),
                    Choice(_("Main menu"), "#menu"),
                ],
            )
            turn.done()
            return
        self.ask_group(turn)

    def ask_group(self, turn) -> None:
        groups = list(served_groups(turn).order_by("unit__name", "name")[: MAX_BUTTONS + 1])
        if len(groups) <= MAX_BUTTONS:
            turn.ask(
                "group",
                _("Which residential group or village does your household belong to?"),
                [Choice(self.title(g)[:35], f"#community.pick:{g.uuid.hex}") for g in groups],
                flow=self.name,
            )
            return
        turn.ask(
            "group",
            _("Which residential group or village does your household belong to? Type its name, e.g. Tổ dân phố 2."),
            flow=self.name,
        )

    def title(self, group: CommunityGroup) -> str:
        return group.residential_group.name if group.residential_group else group.name

    def on_button(self, turn, action: str, argument: str) -> None:
        if action == "pick":
            group = served_groups(turn).filter(uuid=argument).first() if len(argument) == 32 else None
            if group is not None:
                self.picked(turn, group)
                return
        if action == "change":
            self.ask_group(turn)
            return
        if action == "leave":
            member = self.membership(turn)
            if member is not None:
                member_remove(actor=None, member=member)
                turn.say(_("You left %(group)s.") % {"group": member.group.name})
            turn.done()
            return
        self.start(turn)

    def handle(self, turn, step: str) -> None:
        if step == "house":
            self.join(turn)
            return
        groups = {g.residential_group_id: g for g in served_groups(turn) if g.residential_group_id}
        units = [g.residential_group for g in groups.values()]
        found = find_units(turn.text, units)
        if len(found) == 1:
            self.picked(turn, groups[found[0].pk])
            return
        if found:
            turn.goto("group")
            turn.say(
                _("Which one?"),
                [Choice(u.place_name[:35], f"#community.pick:{groups[u.pk].uuid.hex}") for u in found[:MAX_BUTTONS]],
            )
            return
        if turn.elsewhere():
            return
        turn.goto("group")
        turn.say(
            _("I found no residential group called “%(text)s”. Type the name again, or 0 for the menu.")
            % {"text": turn.text[:40]}
        )

    def picked(self, turn, group: CommunityGroup) -> None:
        turn.ask(
            "house",
            _("%(group)s. What is your house number and street? (e.g. Số 12 ngõ 3 Lê Lợi)") % {"group": group.name},
            flow=self.name,
        )
        turn.context["group"] = group.uuid.hex

    def join(self, turn) -> None:
        group = served_groups(turn).filter(uuid=turn.context.get("group", "")).first()
        if group is None:
            self.ask_group(turn)
            return
        if not fold(turn.text).strip():
            turn.goto("house")
            turn.say(_("Write your house number and street, or 0 for the menu."))
            return
        try:
            member = household_join(channel_contact=turn.channel_contact, group=group, label=turn.text)
        except ApplicationError as error:
            turn.goto("house")
            turn.say(_(error.message))
            return
        text = _("Thank you. Your household (%(house)s) is in %(group)s: you will receive its news.") % {
            "house": member.household.label,
            "group": group.name,
        }
        leaders = self.leaders(group)
        if leaders:
            text += "\n" + _("Group leader: %(names)s.") % {"names": leaders}
        turn.say(text)
        turn.done()

    def button_meaning(self, action: str, argument: str) -> str:
        return str(self.menu_title)
