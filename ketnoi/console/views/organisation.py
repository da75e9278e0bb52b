"""Setting up the organisation from the console: units (create, correct, reorganise, import the official list),
agencies and desks. Every write goes through ketnoi.orgs.services, which checks the scope and writes the audit row;
objects are fetched through selectors, so a unit outside the administrator's charge is a 404."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ketnoi.core.errors import ApplicationError
from ketnoi.core.tabular import MAX_BYTES
from ketnoi.orgs import selectors as orgs
from ketnoi.orgs import services
from ketnoi.orgs.models import AgencyKind, UnitKind

from .base import ConsoleView

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NEW_UNIT_KINDS = [
    (k.value, k.label)
    for k in (UnitKind.WARD, UnitKind.COMMUNE, UnitKind.SPECIAL_ZONE, UnitKind.VILLAGE, UnitKind.RESIDENTIAL_GROUP)
]


class FormView(ConsoleView):
    """A console page with one form: GET shows it, POST calls `save(form)`, which returns where to go next."""

    capability = "orgs.manage_officials"
    form_class: type[forms.Form]

    def make_form(self, data=None, files=None):
        return self.form_class(data, files, **self.form_kwargs())

    def form_kwargs(self) -> dict:
        return {}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", self.make_form())
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        form = self.make_form(request.POST, request.FILES)
        if form.is_valid():
            try:
                return self.save(form)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
        return self.render_to_response(self.get_context_data(form=form))

    def save(self, form):
        raise NotImplementedError


class UnitForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=NEW_UNIT_KINDS)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=150)
    code = forms.CharField(label=gettext_lazy("Code"), max_length=20, required=False)
    parent = forms.ModelChoiceField(label=gettext_lazy("Part of"), queryset=None)
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), required=False, widget=DATE_INPUT)
    source = forms.CharField(label=gettext_lazy("Legal source"), max_length=200, required=False)

    def __init__(self, *args, official, **kwargs):
        super().__init__(*args, **kwargs)
        parents = orgs.unit_list(official=official).exclude(kind__in=(UnitKind.VILLAGE, UnitKind.RESIDENTIAL_GROUP))
        self.fields["parent"].queryset = parents


class UnitCreateView(FormView):
    template_name = "console/units/form.html"
    nav_key = "units"
    form_class = UnitForm

    def form_kwargs(self):
        return {"official": self.request.user, "initial": {"parent": self.request.GET.get("parent")}}

    def make_form(self, data=None, files=None):
        form = super().make_form(data, files)
        if parent := self.request.GET.get("parent"):
            match = form.fields["parent"].queryset.filter(uuid=parent).first()
            form.initial["parent"] = match.pk if match else None
        return form

    def save(self, form):
        unit = services.unit_create(actor=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("%(name)s created.") % {"name": unit.name})
        return redirect("console:unit_detail", uuid=unit.uuid)


class UnitEditForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=150)
    code = forms.CharField(label=gettext_lazy("Code"), max_length=20, required=False)
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), required=False, widget=DATE_INPUT)
    source = forms.CharField(label=gettext_lazy("Legal source"), max_length=200, required=False)


class UnitEditView(FormView):
    template_name = "console/units/form.html"
    nav_key = "units"
    form_class = UnitEditForm

    def unit(self):
        return orgs.unit_get(official=self.request.user, uuid=self.kwargs["uuid"])

    def form_kwargs(self):
        unit = self.unit()
        return {"initial": {"name": unit.name, "code": unit.code, "valid_from": unit.valid_from, "source": unit.source}}

    def get_context_data(self, **kwargs):
        return super().get_context_data(unit=self.unit(), **kwargs)

    def save(self, form):
        unit = services.unit_update(actor=self.request.user, unit=self.unit(), **form.cleaned_data)
        messages.success(self.request, _("%(name)s saved.") % {"name": unit.name})
        return redirect("console:unit_detail", uuid=unit.uuid)


class ReorganizeForm(forms.Form):
    predecessors = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Units that end"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind of the new unit"), choices=NEW_UNIT_KINDS)
    name = forms.CharField(label=gettext_lazy("Name of the new unit"), max_length=150)
    code = forms.CharField(label=gettext_lazy("Code of the new unit"), max_length=20, required=False)
    effective = forms.DateField(label=gettext_lazy("Takes effect on"), widget=DATE_INPUT)
    source = forms.CharField(label=gettext_lazy("Resolution"), max_length=200)

    def __init__(self, *args, unit, official, **kwargs):
        super().__init__(*args, **kwargs)
        siblings = orgs.unit_list(official=official).filter(parent_id=unit.parent_id)
        self.fields["predecessors"].queryset = siblings
        self.initial.setdefault("predecessors", [unit.pk])
        self.initial.setdefault("kind", unit.kind)


class UnitReorganizeView(UnitEditView):
    """Merge units (or rename one by resolution): they end the day before; the new unit takes their villages."""

    template_name = "console/units/reorganize.html"
    form_class = ReorganizeForm

    def form_kwargs(self):
        return {"unit": self.unit(), "official": self.request.user}

    def save(self, form):
        data = form.cleaned_data
        unit = services.unit_reorganize(
            actor=self.request.user,
            predecessors=list(data["predecessors"]),
            kind=data["kind"],
            name=data["name"],
            code=data["code"],
            effective=data["effective"],
            source=data["source"],
        )
        messages.success(self.request, _("%(name)s now replaces the units that ended.") % {"name": unit.name})
        return redirect("console:unit_detail", uuid=unit.uuid)


class UnitImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Unit list"),
        help_text=gettext_lazy("A .csv or .xlsx file, up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class UnitImportView(FormView):
    template_name = "console/units/import.html"
    nav_key = "units"
    form_class = UnitImportForm

    def save(self, form):
        upload = form.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            form.add_error("file", _("The file is larger than 10 MB."))
            return self.render_to_response(self.get_context_data(form=form))
        report = services.unit_import(actor=self.request.user, file_name=upload.name, content=upload.read())
        return self.render_to_response(self.get_context_data(form=self.make_form(), report=report))


class AgencyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    short_name = forms.CharField(label=gettext_lazy("Short name"), max_length=80, required=False)
    code = forms.CharField(
        label=gettext_lazy("Identifier"),
        max_length=40,
        help_text=gettext_lazy("The agency's electronic identifier, printed at the start of receipt codes."),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=AgencyKind.choices)
    unit = forms.ModelChoiceField(label=gettext_lazy("Unit it serves"), queryset=None)
    parent = forms.ModelChoiceField(label=gettext_lazy("Part of (agency)"), queryset=None, required=False)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=255, required=False)
    hotline = forms.CharField(label=gettext_lazy("Hotline"), max_length=20, required=False)
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def __init__(self, *args, official, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = orgs.unit_list(official=official).exclude(
            kind__in=(UnitKind.VILLAGE, UnitKind.RESIDENTIAL_GROUP)
        )
        self.fields["parent"].queryset = orgs.agency_list(official=official)
        if editing:
            del self.fields["code"], self.fields["unit"]
        else:
            del self.fields["is_active"]


class AgencyCreateView(FormView):
    template_name = "console/agencies/form.html"
    nav_key = "agencies"
    form_class = AgencyForm

    def form_kwargs(self):
        return {"official": self.request.user}

    def save(self, form):
        agency = services.agency_create(actor=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("%(name)s created.") % {"name": agency.name})
        return redirect("console:agency_detail", uuid=agency.uuid)


class AgencyEditView(FormView):
    template_name = "console/agencies/form.html"
    nav_key = "agencies"
    form_class = AgencyForm

    def agency(self):
        return orgs.agency_get(official=self.request.user, uuid=self.kwargs["uuid"])

    def form_kwargs(self):
        a = self.agency()
        initial = {f: getattr(a, f) for f in ("name", "short_name", "kind", "address", "hotline", "is_active")}
        return {"official": self.request.user, "editing": True, "initial": {**initial, "parent": a.parent_id}}

    def get_context_data(self, **kwargs):
        return super().get_context_data(agency=self.agency(), **kwargs)

    def save(self, form):
        agency = services.agency_update(actor=self.request.user, agency=self.agency(), **form.cleaned_data)
        messages.success(self.request, _("%(name)s saved.") % {"name": agency.name})
        return redirect("console:agency_detail", uuid=agency.uuid)


class DeskForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=20, help_text=gettext_lazy("e.g. Q01"))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120, help_text=gettext_lazy("e.g. Quầy 1"))


class DeskCreateView(FormView):
    template_name = "console/agencies/desk_form.html"
    nav_key = "agencies"
    form_class = DeskForm

    def agency(self):
        return orgs.agency_get(official=self.request.user, uuid=self.kwargs["uuid"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(agency=self.agency(), **kwargs)

    def save(self, form):
        agency = self.agency()
        if agency.desks.filter(code=form.cleaned_data["code"]).exists():
            raise ApplicationError(_("This agency already has a desk with that code."), code="duplicate")
        desk = services.desk_create(actor=self.request.user, agency=agency, **form.cleaned_data)
        messages.success(self.request, _("%(name)s created.") % {"name": desk.name})
        return redirect("console:agency_detail", uuid=agency.uuid)


class DeskEditForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    is_active = forms.BooleanField(label=gettext_lazy("Open"), required=False)


class DeskEditView(FormView):
    template_name = "console/agencies/desk_form.html"
    nav_key = "agencies"
    form_class = DeskEditForm

    def desk(self):
        return get_object_or_404(orgs.desk_list(official=self.request.user), uuid=self.kwargs["uuid"])

    def form_kwargs(self):
        desk = self.desk()
        return {"initial": {"name": desk.name, "is_active": desk.is_active}}

    def get_context_data(self, **kwargs):
        desk = self.desk()
        return super().get_context_data(agency=desk.agency, desk=desk, **kwargs)

    def save(self, form):
        desk = services.desk_update(actor=self.request.user, desk=self.desk(), **form.cleaned_data)
        messages.success(self.request, _("%(name)s saved.") % {"name": desk.name})
        return redirect("console:agency_detail", uuid=desk.agency.uuid)
