"""Community groups in the console: the ward's residential groups with their households and members, managed
through the audited services of broadcasts.services.groups (add, correct, move and remove households, add members
by their proven phone, set leaders), and the import of the ward's household list."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ketnoi.broadcasts import selectors
from ketnoi.broadcasts.services import (
    chat_group_create,
    chat_group_post,
    chat_group_post_upload,
    group_for_residential_group,
    household_move,
    household_remove,
    household_save,
    households_import,
    leader_set,
    leaders_group_create,
    member_add_by_phone,
    member_remove,
)
from ketnoi.core.errors import ApplicationError
from ketnoi.core.redaction import mask_phone
from ketnoi.orgs.models import COMMUNE_KINDS, AdministrativeUnit

from ..base import ConsoleView
from ..imports import FileImportView


class GroupListView(ConsoleView):
    template_name = "console/broadcasts/groups.html"
    capability = "broadcasts.compose"
    nav_key = "broadcasts"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            page=self.paginate(selectors.group_list(official=user)),
            without=selectors.residential_groups_without_community(official=user),
            leaderless=selectors.communes_without_leaders_group(official=user),
        )
        return context

    def post(self, request, *args, **kwargs):
        if request.POST.get("leaders_commune"):
            commune = selectors.communes_without_leaders_group(official=request.user).filter(
                uuid=request.POST["leaders_commune"]
            )
            if not commune.exists():
                messages.error(request, _("Choose from the list."))
                return redirect("console:broadcast_groups")
            try:
                group = leaders_group_create(actor=request.user, commune=commune.get())
            except ApplicationError as exc:
                messages.error(request, exc.message)
                return redirect("console:broadcast_groups")
            messages.success(request, _("Group created: %(name)s.") % {"name": group.name})
            return redirect("console:broadcast_group", uuid=group.uuid)
        unit = selectors.residential_groups_without_community(official=request.user).filter(
            uuid=request.POST.get("residential_group") or None
        )
        unit = unit.first()
        if unit is None:
            messages.error(request, _("Choose from the list."))
            return redirect("console:broadcast_groups")
        try:
            group = group_for_residential_group(actor=request.user, residential_group=unit)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("console:broadcast_groups")
        messages.success(request, _("Group created: %(name)s.") % {"name": group.name})
        return redirect("console:broadcast_group", uuid=group.uuid)


class GroupDetailView(ConsoleView):
    template_name = "console/broadcasts/group.html"
    capability = "broadcasts.compose"
    nav_key = "broadcasts"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        group = selectors.group_get(official=self.request.user, uuid=self.kwargs["uuid"])
        households = selectors.group_households(group)
        for household in households:
            household.phone_masked = mask_phone(household.phone) if household.phone else ""
        chat = selectors.chat_group_of(group)
        context.update(
            group=group,
            chat=chat,
            chat_messages=selectors.chat_group_messages(chat) if chat else [],
            chat_qr=_qr(chat.invite_link) if chat and chat.invite_link else "",
            households=households,
            loose=selectors.members_without_household(group),
            targets=selectors.groups_to_manage(official=self.request.user).filter(unit=group.unit).exclude(pk=group.pk),
        )
        return context


def _qr(link: str, scale: int = 4) -> str:
    import segno

    return segno.make(link, error="m").svg_inline(scale=scale, dark="#111", light="#fff")


class GroupPosterView(ConsoleView):
    """The group chat's invite QR as a page to print for the noticeboard (A4, no console chrome)."""

    template_name = "console/broadcasts/group_poster.html"
    capability = "broadcasts.compose"
    nav_key = "broadcasts"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        group = selectors.group_get(official=self.request.user, uuid=self.kwargs["uuid"])
        chat = selectors.chat_group_of(group)
        if chat is None or not chat.invite_link:
            raise Http404
        context.update(group=group, chat=chat, chat_qr=_qr(chat.invite_link, scale=10))
        return context


class GroupActionView(ConsoleView):
    """One POST per action on a group, each calling its service; errors come back as a message on the group page."""

    capability = "broadcasts.compose"
    http_method_names = ["post"]

    def post(self, request, uuid, action):
        group = selectors.group_get(official=request.user, uuid=uuid)
        handler = getattr(self, f"do_{action.replace('-', '_')}", None)
        if handler is None:
            raise Http404
        data = request.POST
        try:
            done = handler(group, data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        except (ValueError, KeyError):
            messages.error(request, _("Choose from the list."))
        else:
            messages.success(request, done)
        return redirect("console:broadcast_group", uuid=group.uuid)

    def _household(self, group, data):
        found = group.households.filter(uuid=data.get("household") or None).first()
        if found is None:
            raise KeyError("household")
        return found

    def _member(self, group, data):
        found = group.members.select_related("channel_contact").filter(pk=int(data.get("member", ""))).first()
        if found is None:
            raise KeyError("member")
        return found

    def _chat(self, group):
        chat = selectors.chat_group_of(group)
        if chat is None:
            raise KeyError("chat")
        return chat

    def do_create_chat(self, group, data):
        chat = chat_group_create(actor=self.request.user, group=group)
        return _("Zalo group created on %(oa)s: share the invite link or print its QR.") % {"oa": chat.channel.name}

    def do_post_chat(self, group, data):
        chat = self._chat(group)
        upload = self.request.FILES.get("attachment")
        if upload:
            chat_group_post_upload(actor=self.request.user, chat_group=chat, text=data.get("text", ""), upload=upload)
        else:
            chat_group_post(actor=self.request.user, chat_group=chat, text=data.get("text", ""))
        return _("Posted to the group: it leaves in a moment.")

    def do_add_household(self, group, data):
        household = household_save(
            actor=self.request.user,
            group=group,
            label=data.get("label", ""),
            head_name=data.get("head_name", ""),
            phone=data.get("phone", ""),
        )
        return _("Household added: %(label)s.") % {"label": household.label}

    def do_edit_household(self, group, data):
        household = household_save(
            actor=self.request.user,
            group=group,
            household=self._household(group, data),
            label=data.get("label", ""),
            head_name=data.get("head_name", ""),
            phone=data.get("phone", "").strip() or None,  # empty: the phone on file stays
        )
        return _("Household saved: %(label)s.") % {"label": household.label}

    def do_move_household(self, group, data):
        target = selectors.groups_to_manage(official=self.request.user).filter(uuid=data.get("to") or None).first()
        if target is None:
            raise KeyError("to")
        household = household_move(actor=self.request.user, household=self._household(group, data), to=target)
        return _("%(label)s moved to %(group)s.") % {"label": household.label, "group": target.name}

    def do_remove_household(self, group, data):
        household = self._household(group, data)
        label = household.label
        household_remove(actor=self.request.user, household=household)
        return _("Household removed: %(label)s.") % {"label": label}

    def do_add_member(self, group, data):
        added = member_add_by_phone(
            actor=self.request.user, household=self._household(group, data), phone=data.get("phone", "")
        )
        return _("%(n)s follower(s) added.") % {"n": len(added)}

    def do_remove_member(self, group, data):
        member_remove(actor=self.request.user, member=self._member(group, data))
        return _("Member removed.")

    def do_set_leader(self, group, data):
        member = leader_set(actor=self.request.user, member=self._member(group, data), leader=data.get("leader") == "1")
        name = member.channel_contact.display_name or member.channel_contact.user_id
        if data.get("leader") == "1":
            return _("%(name)s leads the group.") % {"name": name}
        return _("%(name)s is no longer a leader.") % {"name": name}


class HouseholdImportForm(forms.Form):
    commune = forms.ModelChoiceField(
        queryset=AdministrativeUnit.objects.none(), label=gettext_lazy("Commune or ward"), to_field_name="uuid"
    )
    file = forms.FileField(
        label=gettext_lazy("Household list"),
        help_text=gettext_lazy("A .csv or .xlsx file, up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, official, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = selectors.compose_units(official=official).filter(kind__in=COMMUNE_KINDS)
        self.fields["commune"].label_from_instance = lambda unit: unit.name


class GroupImportView(FileImportView):
    template_name = "console/broadcasts/group_import.html"
    capability = "broadcasts.compose"
    nav_key = "broadcasts"

    def make_form(self, data=None, files=None):
        return HouseholdImportForm(data, files, official=self.request.user)

    def import_file(self, form, file_name, content):
        return households_import(
            actor=self.request.user, commune=form.cleaned_data["commune"], file_name=file_name, content=content
        )
