"""Forms of the broadcast pages. Choices come from selectors, so an official only ever sees what is in scope."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ketnoi.broadcasts import selectors
from ketnoi.broadcasts.models import ProviderPath, Topic
from ketnoi.broadcasts.services import BroadcastContent
from ketnoi.core.errors import ApplicationError
from ketnoi.orgs.models import COMMUNE_KINDS, PROVINCE_KINDS

ACTIONS = {"url", "query_show", "query_hide", "phone"}


def parse_buttons(text: str) -> list[dict[str, str]]:
    """One button per line: 'Title | url | https://...' (action: url, phone, query_show, query_hide)."""
    buttons = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3 or parts[1] not in ACTIONS:
            raise forms.ValidationError(
                _("Line %(n)s: write 'Title | url | https://...' (url, phone, query_show or query_hide)."),
                params={"n": number},
            )
        buttons.append({"title": parts[0], "action": parts[1], "value": parts[2]})
    return buttons


def _tags(text: str) -> list[str]:
    return [t.strip() for t in (text or "").replace(";", ",").split(",") if t.strip()]


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class PathOptions:
    """Options that carry their unit's path (data-path), so the composer shows only the areas and accounts of the
    unit chosen in "On behalf of" (console/broadcast_compose.js); the service checks the same rule on save."""

    paths: dict[str, str]

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        path = getattr(self, "paths", {}).get(str(value))
        if path:
            option["attrs"]["data-path"] = path
        return option


class PathSelect(PathOptions, forms.Select):
    pass


class PathCheckboxes(PathOptions, forms.CheckboxSelectMultiple):
    pass


def area_choices(areas, *, blank: str) -> list:
    """Areas grouped by commune or ward, each labelled with its commune ("Tổ dân phố 1, Phường Đông Hòa"): residential
    group names repeat in every commune, and a closed select shows the option's label only, not its group."""
    top, groups = [], {}
    for area in areas:
        if area.kind in PROVINCE_KINDS:
            top.append((str(area.uuid), _("%(name)s (the whole province)") % {"name": area.name}))
        elif area.kind in COMMUNE_KINDS:
            groups.setdefault(area.pk, [area.name, []])[1].insert(
                0, (str(area.uuid), _("%(name)s (the whole commune or ward)") % {"name": area.name})
            )
        else:
            groups.setdefault(area.parent_id, [area.parent.name, []])[1].append((str(area.uuid), area.place_name))
    return [("", blank), *top, *[(label, options) for label, options in groups.values()]]


class BroadcastForm(forms.Form):
    unit = UnitChoiceField(queryset=None, label=_("On behalf of"), to_field_name="uuid", widget=PathSelect)
    title = forms.CharField(label=_("Title"), max_length=200)
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    path = forms.ChoiceField(label=_("Message kind"), choices=ProviderPath.choices)
    text = forms.CharField(
        label=_("Text (Vietnamese)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Empty: the chosen template's text, word for word (the fast path for pre-approved alerts)."),
    )
    text_en = forms.CharField(label=_("Text (English)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    image_url = forms.URLField(label=_("Image URL"), required=False, assume_scheme="https")
    link_url = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    link_title = forms.CharField(label=_("Link button title"), required=False, max_length=60)
    buttons = forms.CharField(
        label=_("Buttons"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Xem chi tiết | url | https://..."}),
    )
    zbs_template_id = forms.CharField(label=_("Template id (template messages)"), required=False, max_length=40)
    channels = forms.ModelMultipleChoiceField(
        queryset=None, label=_("Official accounts"), to_field_name="uuid", widget=PathCheckboxes
    )
    area = UnitChoiceField(queryset=None, label=_("Area"), required=False, to_field_name="uuid", widget=PathSelect)
    exclude_area = UnitChoiceField(
        queryset=None, label=_("Except the area"), required=False, to_field_name="uuid", widget=PathSelect
    )
    tags = forms.CharField(label=_("Only people tagged (any of)"), required=False)
    exclude_tags = forms.CharField(label=_("Except people tagged"), required=False)
    subscribers_only = forms.BooleanField(label=_("Only subscribers of the topic"), required=False, initial=True)
    is_training = forms.BooleanField(label=_("Training mode (testers only)"), required=False)
    to_group_chats = forms.BooleanField(
        label=_("Post into the community groups' Zalo chats (one post per group, free)"), required=False
    )
    community_groups = forms.ModelMultipleChoiceField(
        queryset=None,
        label=_("Only these community groups (none chosen: every group chat in the area)"),
        required=False,
        to_field_name="uuid",
        widget=forms.CheckboxSelectMultiple,
    )
    send_at = forms.DateTimeField(
        label=_("Send at (empty: as soon as approved)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    template = forms.ModelChoiceField(queryset=None, label=_("Template"), required=False, to_field_name="uuid")

    def __init__(self, *args, official, **kwargs):
        super().__init__(*args, **kwargs)
        units = selectors.compose_units(official=official)
        channels = selectors.compose_channels(official=official)
        areas = selectors.compose_areas(official=official).select_related("parent")
        self.fields["unit"].queryset = units
        self.fields["unit"].widget.paths = {str(u.uuid): u.path for u in units}
        self.fields["channels"].queryset = channels
        self.fields["channels"].widget.paths = {str(c.uuid): c.unit.path for c in channels}
        area_list = list(areas)
        paths = {str(a.uuid): a.path for a in area_list}
        for name, blank in (("area", _("Every area the accounts reach")), ("exclude_area", _("No exception"))):
            self.fields[name].queryset = areas
            self.fields[name].choices = area_choices(area_list, blank=blank)
            self.fields[name].widget.paths = paths
        self.fields["template"].queryset = selectors.template_list(official=official)
        self.fields["community_groups"].queryset = selectors.groups_with_chat(official=official)

    def clean(self):
        data = super().clean()
        template = data.get("template")
        if template is not None and not (data.get("text") or "").strip():
            data["text"], data["text_en"] = template.text, data.get("text_en") or template.text_en
        if not (data.get("text") or "").strip():
            self.add_error("text", _("Write the text, or choose a template."))
        return data

    def clean_buttons(self):
        return parse_buttons(self.cleaned_data.get("buttons", ""))

    def content(self) -> BroadcastContent:
        data = self.cleaned_data
        return BroadcastContent(
            title=data["title"],
            text=data["text"],
            channels=list(data["channels"]),
            topic=data["topic"],
            path=data["path"],
            text_en=data["text_en"],
            image_url=data["image_url"],
            link_url=data["link_url"],
            link_title=data["link_title"],
            buttons=data["buttons"],
            zbs_template_id=data["zbs_template_id"],
            area=data["area"],
            exclude_area=data["exclude_area"],
            tags=_tags(data["tags"]),
            exclude_tags=_tags(data["exclude_tags"]),
            subscribers_only=data["subscribers_only"],
            is_training=data["is_training"],
            send_at=data["send_at"],
            template=data["template"],
            to_group_chats=data["to_group_chats"],
            community_groups=list(data["community_groups"] or []),
        )

    @classmethod
    def initial_of(cls, broadcast) -> dict:
        return {
            "unit": broadcast.unit.uuid,
            "title": broadcast.title,
            "topic": broadcast.topic,
            "path": broadcast.path,
            "text": broadcast.text,
            "text_en": broadcast.text_en,
            "image_url": broadcast.image_url,
            "link_url": broadcast.link_url,
            "link_title": broadcast.link_title,
            "buttons": "\n".join(f"{b['title']} | {b['action']} | {b['value']}" for b in broadcast.buttons),
            "zbs_template_id": broadcast.zbs_template_id,
            "channels": [c.uuid for c in broadcast.channels.all()],
            "area": broadcast.area.uuid if broadcast.area_id else None,
            "exclude_area": broadcast.exclude_area.uuid if broadcast.exclude_area_id else None,
            "tags": ", ".join(broadcast.tags),
            "exclude_tags": ", ".join(broadcast.exclude_tags),
            "subscribers_only": broadcast.subscribers_only,
            "is_training": broadcast.is_training,
            "to_group_chats": broadcast.to_group_chats,
            "community_groups": [g.uuid for g in broadcast.community_groups.all()],
            "send_at": broadcast.send_at,
            "template": broadcast.template.uuid if broadcast.template_id else None,
        }


def apply_error(form: forms.Form, exc: ApplicationError) -> None:
    form.add_error(None, exc.message)


class TemplateForm(forms.Form):
    unit = UnitChoiceField(queryset=None, label=_("Unit"), to_field_name="uuid")
    name = forms.CharField(label=_("Name"), max_length=150)
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    text = forms.CharField(label=_("Text (Vietnamese)"), widget=forms.Textarea(attrs={"rows": 4}))
    text_en = forms.CharField(label=_("Text (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, official, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.compose_units(official=official)


class MeetingForm(forms.Form):
    unit = UnitChoiceField(queryset=None, label=_("Unit"), to_field_name="uuid")
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    participants = forms.ModelMultipleChoiceField(
        queryset=None, label=_("Participants"), widget=forms.CheckboxSelectMultiple
    )
    remind_minutes_before = forms.IntegerField(label=_("Remind minutes before"), min_value=5, initial=60)

    def __init__(self, *args, official, units, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["participants"].queryset = participants
        self.fields["participants"].label_from_instance = lambda u: u.get_full_name() or u.username
