"""The working-day calendar: one year's holidays, days off and swapped working days, with their sources.

The calendar is province-wide configuration, so only system administrators (calendar.manage) see these pages.
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ketnoi.core.errors import ApplicationError
from ketnoi.core.models import CalendarDay, CalendarDayKind
from ketnoi.core.workdays import working_days_between
from ketnoi.orgs.services import calendar_day_remove, calendar_day_set, seed_calendar_year

from .base import ConsoleView


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=CalendarDayKind.choices)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    source_document = forms.CharField(
        label=gettext_lazy("Source document"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("The official letter that decided the day, e.g. its number and date."),
    )


def _year(value: str | None) -> int:
    try:
        year = int(value or "")
    except ValueError:
        return timezone.localdate().year
    return year if 1990 <= year <= 2100 else timezone.localdate().year


class CalendarView(ConsoleView):
    template_name = "console/calendar/year.html"
    capability = "calendar.manage"
    nav_key = "calendar"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = _year(self.request.GET.get("year") or self.request.POST.get("year"))
        context.update(
            year=year,
            days=CalendarDay.objects.filter(date__year=year).select_related("created_by"),
            working_days=working_days_between(dt.date(year - 1, 12, 31), dt.date(year, 12, 31)),
            form=kwargs.get("form") or CalendarDayForm(initial={"kind": CalendarDayKind.DAY_OFF}),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = CalendarDayForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                calendar_day_set(
                    actor=request.user,
                    date=data["date"],
                    kind=data["kind"],
                    name=data["name"],
                    source_document=data["source_document"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Saved %(date)s.") % {"date": data["date"].strftime("%d/%m/%Y")})
                return redirect(_calendar_url(data["date"].year))
        return self.render_to_response(self.get_context_data(form=form))


class CalendarDayRemoveView(ConsoleView):
    capability = "calendar.manage"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            day = dt.date.fromisoformat(self.kwargs["date"])
            calendar_day_remove(actor=request.user, date=day)
        except ValueError:
            messages.error(request, _("That is not a date."))
            return redirect("console:calendar")
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("console:calendar")
        messages.success(request, _("Removed %(date)s.") % {"date": day.strftime("%d/%m/%Y")})
        return redirect(_calendar_url(day.year))


class CalendarSeedView(ConsoleView):
    capability = "calendar.manage"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        year = _year(request.POST.get("year"))
        try:
            created = seed_calendar_year(actor=request.user, year=year)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(count)s day(s) added for %(year)s.") % {"count": len(created), "year": year})
        return redirect(_calendar_url(year))


def _calendar_url(year: int) -> str:
    return f"{reverse('console:calendar')}?year={year}"
