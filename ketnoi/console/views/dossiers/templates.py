"""The citizen notices' wording per unit (Vietnamese and English), with a live preview of the chat bubble."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ketnoi.core.errors import ApplicationError
from ketnoi.dossiers.models import NotificationKind, NotificationTemplate
from ketnoi.dossiers.notifications import dossier_context, template_placeholders, template_render, template_text
from ketnoi.dossiers.selectors import dossier_list
from ketnoi.dossiers.services.templates import notification_template_reset, notification_template_save
from ketnoi.orgs import selectors as orgs

from ..base import ConsoleView

CAPABILITY = "templates.manage"
LANGUAGES = [("vi", gettext_lazy("Vietnamese")), ("en", gettext_lazy("English"))]


class TemplateForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Text"), max_length=2000, widget=forms.Textarea(attrs={"rows": 6}))


def _unit(official, uuid):
    return orgs.unit_get(official=official, uuid=uuid)


def sample_preview(official, unit, language: str, text: str) -> str:
    """The text as the citizen would read it, filled from the unit's latest dossier (or sample values)."""
    dossier = dossier_list(official=official).filter(unit__path__startswith=unit.path).order_by("-id").first()
    context = dossier_context(dossier, language=language) if dossier else None
    return template_render(text=text, context=context)


class TemplateListView(ConsoleView):
    template_name = "console/dossiers/templates/list.html"
    capability = CAPABILITY
    nav_key = "dossier_templates"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        units = orgs.unit_list(official=user).filter(kind__in=["province", "city", "ward", "commune", "special_zone"])
        chosen = self.request.GET.get("unit", "")
        unit = units.filter(uuid=chosen).first() if chosen else None
        unit = unit or units.first()
        rows = []
        if unit is not None:
            own = {(t.kind, t.language) for t in NotificationTemplate.objects.filter(unit=unit)}
            for kind, label in NotificationKind.choices:
                for language, language_label in LANGUAGES:
                    rows.append(
                        {
                            "kind": kind,
                            "label": label,
                            "language": language,
                            "language_label": language_label,
                            "text": template_text(unit=unit, kind=kind, language=language),
                            "own": (kind, language) in own,
                        }
                    )
        context.update(units=units, unit=unit, rows=rows)
        return context


class TemplateEditView(ConsoleView):
    template_name = "console/dossiers/templates/edit.html"
    capability = CAPABILITY
    nav_key = "dossier_templates"

    def setup_objects(self):
        if self.kwargs["kind"] not in NotificationKind.values or self.kwargs["language"] not in ("vi", "en"):
            raise Http404
        return _unit(self.request.user, self.kwargs["uuid"]), self.kwargs["kind"], self.kwargs["language"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit, kind, language = self.setup_objects()
        text = template_text(unit=unit, kind=kind, language=language)
        form = kwargs.get("form") or TemplateForm(initial={"text": text})
        current = form.data.get("text", text) if form.is_bound else text
        context.update(
            unit=unit,
            kind=kind,
            kind_label=NotificationKind(kind).label,
            language=language,
            form=form,
            placeholders=template_placeholders(),
            preview=sample_preview(self.request.user, unit, language, current),
        )
        return context

    def post(self, request, *args, **kwargs):
        unit, kind, language = self.setup_objects()
        if "reset" in request.POST:
            notification_template_reset(actor=request.user, unit=unit, kind=kind, language=language)
            messages.success(request, _("Back to the default wording."))
            return redirect("console:template_edit", uuid=unit.uuid, kind=kind, language=language)
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                notification_template_save(
                    actor=request.user, unit=unit, kind=kind, language=language, text=form.cleaned_data["text"]
                )
            except ApplicationError as exc:
                form.add_error("text", exc.message)
            else:
                messages.success(request, _("Saved."))
                return redirect("console:template_edit", uuid=unit.uuid, kind=kind, language=language)
        return self.render_to_response(self.get_context_data(form=form))


class TemplatePreviewView(ConsoleView):
    """htmx: the bubble for the text being typed."""

    template_name = "console/dossiers/templates/_preview.html"
    capability = CAPABILITY
    http_method_names = ["post"]

    def post(self, request, uuid):
        unit = _unit(request.user, uuid)
        language = request.POST.get("language", "vi")
        text = request.POST.get("text", "")[:2000]
        error = ""
        try:
            from ketnoi.dossiers.notifications import template_validate

            template_validate(text)
        except ApplicationError as exc:
            error = exc.message
        preview = sample_preview(request.user, unit, language if language in ("vi", "en") else "vi", text)
        return self.render_to_response({"preview": preview, "error": error})
