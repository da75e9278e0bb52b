"""Console: the notifications API (issue 21). An agency's officials register sending services, create keys (shown
once), write templates with a phone preview, send a test message, follow usage and dead callbacks."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ketnoi.channels.models import Channel
from ketnoi.core.errors import ApplicationError
from ketnoi.notify import placeholders, selectors
from ketnoi.notify.callbacks import callback_retry
from ketnoi.notify.models import ApiKey, Callback, KeyKind, Template
from ketnoi.notify.services import (
    api_key_create,
    api_key_revoke,
    callback_secret_rotate,
    service_save,
    template_save,
    test_send,
)
from ketnoi.orgs.models import Agency
from ketnoi.orgs.scoping import scope_of

from .base import ConsoleView

CAPABILITY = "notify.manage"


def _agencies(official):
    scope = scope_of(official).narrowed(CAPABILITY)
    return scope.filter(Agency.objects.filter(is_active=True).select_related("unit"), "unit__path", "id")


def _usable_channels(official, type_code: str):
    """OAs or SMS gateways of a unit in scope or above it (the province's OA serves every commune)."""
    paths = [a.unit.path for a in _agencies(official)]
    return [c for c in Channel.objects.filter(type_code=type_code, is_active=True).select_related("unit")
            if any(p.startswith(c.unit.path) for p in paths)]  # fmt: skip


class ServiceForm(forms.Form):
    agency = forms.ModelChoiceField(label=gettext_lazy("Agency"), queryset=Agency.objects.none())
    name = forms.CharField(label=gettext_lazy("Service name"), max_length=120)
    channels = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Official accounts it may use"), queryset=Channel.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    sms_channel = forms.ModelChoiceField(label=gettext_lazy("SMS gateway"), queryset=Channel.objects.none(),
                                         required=False)  # fmt: skip
    daily_limit = forms.IntegerField(label=gettext_lazy("Messages per day"), min_value=0, initial=10000)
    member_phones = forms.CharField(
        label=gettext_lazy("Members' phones (team keys send only to these)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}), help_text=gettext_lazy("One per line."),
    )  # fmt: skip
    callback_url = forms.CharField(label=gettext_lazy("Callback URL (status changes)"), max_length=500, required=False)
    subscribed_events = forms.MultipleChoiceField(
        label=gettext_lazy("Also send ketnoi's events"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[("dossier", gettext_lazy("Dossier changes")), ("petition", gettext_lazy("Petition changes"))],
    )  # fmt: skip

    def __init__(self, *args, official, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agencies(official)
        self.fields["channels"].queryset = Channel.objects.filter(
            pk__in=[c.pk for c in _usable_channels(official, "zalo")]
        )
        self.fields["sms_channel"].queryset = Channel.objects.filter(
            pk__in=[c.pk for c in _usable_channels(official, "sms")]
        )


class ServiceListView(ConsoleView):
    template_name = "console/notify/service_list.html"
    capability = CAPABILITY
    nav_key = "notify"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        services = selectors.services_for(self.request.user)
        context.update(services=services, dead=selectors.dead_letter_count(services))
        return context


class ServiceCreateView(ConsoleView):
    template_name = "console/notify/service_form.html"
    capability = CAPABILITY
    nav_key = "notify"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ServiceForm(official=self.request.user))
        return context

    def post(self, request, *args, **kwargs):
        form = ServiceForm(request.POST, official=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                service = service_save(
                    actor=request.user, agency=data["agency"], name=data["name"], channels=list(data["channels"]),
                    sms_channel=data["sms_channel"], daily_limit=data["daily_limit"],
                    member_phones=data["member_phones"].split(), callback_url=data["callback_url"],
                    subscribed_events=data["subscribed_events"],
                )  # fmt: skip
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("%(name)s created.") % {"name": service.name})
                return redirect("console:notify_service", uuid=service.uuid)
        return self.render_to_response(self.get_context_data(form=form))


class ServiceDetailView(ConsoleView):
    template_name = "console/notify/service_detail.html"
    capability = CAPABILITY
    nav_key = "notify"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        service = selectors.service_for(self.request.user, self.kwargs["uuid"])
        context.update(
            service=service,
            keys=service.api_keys.order_by("-created_at"),
            kinds=KeyKind.choices,
            templates=service.templates.filter(is_archived=False),
            notifications=selectors.recent_notifications(service),
            dead_callbacks=selectors.dead_callbacks(service)[:50],
        )
        return context


class KeyCreateView(ConsoleView):
    """Creates the key and shows it once: only its hash is kept."""

    template_name = "console/notify/key_created.html"
    capability = CAPABILITY
    nav_key = "notify"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        service = selectors.service_for(request.user, self.kwargs["uuid"])
        try:
            key, secret = api_key_create(actor=request.user, service=service, name=request.POST.get("name", ""),
                                         kind=request.POST.get("kind", ""))  # fmt: skip
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("console:notify_service", uuid=service.uuid)
        response = self.render_to_response(self.get_context_data(service=service, key=key, secret=secret))
        response["Cache-Control"] = "no-store"
        return response


class KeyRevokeView(ConsoleView):
    capability = CAPABILITY
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        key = get_object_or_404(ApiKey.objects.filter(service__in=selectors.services_for(request.user)),
                                uuid=self.kwargs["uuid"])  # fmt: skip
        api_key_revoke(actor=request.user, key=key)
        messages.success(request, _("The key %(name)s is revoked.") % {"name": key.name})
        return redirect("console:notify_service", uuid=key.service.uuid)


class SecretRotateView(ConsoleView):
    template_name = "console/notify/secret_shown.html"
    capability = CAPABILITY
    nav_key = "notify"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        service = selectors.service_for(request.user, self.kwargs["uuid"])
        secret = callback_secret_rotate(actor=request.user, service=service)
        response = self.render_to_response(self.get_context_data(service=service, secret=secret))
        response["Cache-Control"] = "no-store"
        return response


class TemplateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Template name"), max_length=120)
    text = forms.CharField(
        label=gettext_lazy("Zalo message (inside the OA's window)"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Write ((name)) where a value goes, e.g. ((ho_ten))."),
    )  # fmt: skip
    zbs_template_id = forms.CharField(label=gettext_lazy("ZNS/ZBS template id (outside the window)"), max_length=40,
                                      required=False)  # fmt: skip
    zbs_params = forms.CharField(
        label=gettext_lazy("ZNS/ZBS parameters"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One per line: parameter = value or ((placeholder))."),
    )  # fmt: skip
    sms_text = forms.CharField(label=gettext_lazy("SMS text (the last resort)"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip

    def clean_zbs_params(self):
        params = {}
        for line in self.cleaned_data["zbs_params"].splitlines():
            if not line.strip():
                continue
            name, sep, value = line.partition("=")
            if not sep:
                raise forms.ValidationError(_("Write each parameter as name = value."))
            params[name.strip()] = value.strip()
        return params


def _params_text(params: dict) -> str:
    return "\n".join(f"{k} = {v}" for k, v in params.items())


class TemplateEditView(ConsoleView):
    """A new template (no uuid) or its next version; beside it the phone preview and the test message."""

    template_name = "console/notify/template.html"
    capability = CAPABILITY
    nav_key = "notify"

    def _objects(self):
        if "template" in self.kwargs:
            template = get_object_or_404(
                Template.objects.filter(service__in=selectors.services_for(self.request.user)).select_related("service"),
                uuid=self.kwargs["template"],
            )  # fmt: skip
            return template.service, template
        return selectors.service_for(self.request.user, self.kwargs["uuid"]), None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        service, template = self._objects()
        version = template.versions.first() if template else None
        if "form" not in context:
            initial = {}
            if version:
                initial = {"name": template.name, "text": version.text, "zbs_template_id": version.zbs_template_id,
                           "zbs_params": _params_text(version.zbs_params), "sms_text": version.sms_text}  # fmt: skip
            context["form"] = TemplateForm(initial=initial)
        names = placeholders.names_in(version.text, version.sms_text, *version.zbs_params.values()) if version else []
        samples = {name: self.request.GET.get(f"v_{name}", "") for name in names}
        if version:
            context["preview"] = {
                "text": placeholders.fill(version.text, samples, preview=True),
                "zbs": {k: placeholders.fill(v, samples, preview=True) for k, v in version.zbs_params.items()},
                "sms": placeholders.fill(version.sms_text, samples, preview=True),
            }
        context.update(service=service, template=template, version=version, samples=samples,
                       oa_name=next(iter(service.channels.all()), None) or service.name,
                       versions=template.versions.all()[:10] if template else [])  # fmt: skip
        return context

    def post(self, request, *args, **kwargs):
        service, template = self._objects()
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                template = template_save(actor=request.user, service=service, template=template, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Saved as version %(version)s.") % {"version": template.version})
                return redirect("console:notify_template", template=template.uuid)
        return self.render_to_response(self.get_context_data(form=form))


class TestSendView(ConsoleView):
    """Send a test message: the test key's path, nothing leaves ketnoi; it appears in the service's messages."""

    capability = CAPABILITY
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        template = get_object_or_404(
            Template.objects.filter(service__in=selectors.services_for(request.user)).select_related("service"),
            uuid=self.kwargs["template"],
        )
        values = {k[2:]: v for k, v in request.POST.items() if k.startswith("v_")}
        try:
            notification = test_send(actor=request.user, service=template.service, template=template,
                                     phone=request.POST.get("phone", ""), personalisation=values)  # fmt: skip
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Test message recorded (nothing was sent): %(body)s") % {"body": notification.body}
            )
        return redirect("console:notify_service", uuid=template.service.uuid)


class CallbackRetryView(ConsoleView):
    capability = CAPABILITY
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        callback = get_object_or_404(Callback.objects.filter(service__in=selectors.services_for(request.user)),
                                     uuid=self.kwargs["uuid"])  # fmt: skip
        try:
            callback_retry(actor=request.user, callback=callback)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The callback will be sent again."))
        return redirect("console:notify_service", uuid=callback.service.uuid)


class UsageView(ConsoleView):
    """Per service and month: messages by channel and their cost; ?format=xlsx for the spreadsheet."""

    template_name = "console/notify/usage.html"
    capability = CAPABILITY
    nav_key = "notify"

    def get(self, request, *args, **kwargs):
        rows = selectors.usage_rows(selectors.services_for(request.user))
        if request.GET.get("format") == "xlsx":
            from ketnoi.reports.selectors import Table
            from ketnoi.reports.xlsx import tables_xlsx

            table = Table("usage", _("Notifications API usage"), usage_headers(),
                          [[r["service"], r["month"], r["zalo"], r["zbs"], r["sms"], r["pending"], r["total"], r["cost"]]
                           for r in rows], ["text", "text"] + ["count"] * 5 + ["money"])  # fmt: skip
            body = tables_xlsx([table], subtitle=timezone.localdate().strftime("%d/%m/%Y"))
            response = HttpResponse(
                body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
            response["Content-Disposition"] = 'attachment; filename="notifications-usage.xlsx"'
            return response
        return self.render_to_response(self.get_context_data(rows=rows, headers=usage_headers()))


def usage_headers() -> list[str]:
    return [_("Service"), _("Month"), _("Zalo consultation"), _("ZNS/ZBS"), _("SMS"), _("Not yet sent"), _("Total"),
            _("Cost (đồng)")]  # fmt: skip
