"""Petition set-up for administrators: categories with their working-day deadlines, and routing rules."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from ketnoi.core.errors import ApplicationError
from ketnoi.orgs.models import AdministrativeUnit, Agency
from ketnoi.orgs.scoping import scope_of
from ketnoi.petitions.models import Audience
from ketnoi.petitions.selectors import configured_categories, configured_rules
from ketnoi.petitions.services import category_save, routing_rule_save

from ..base import ConsoleView

STAGES = ("forward", "acknowledge", "answer", "publish")


class PetitionConfigView(ConsoleView):
    template_name = "console/petitions/config.html"
    capability = "petitions.configure"
    nav_key = "petition_config"

    def units(self):
        scope = scope_of(self.request.user).narrowed("petitions.configure")
        return AdministrativeUnit.objects.filter(scope.q("path"), valid_to__isnull=True).order_by("path")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        units = self.units()
        context.update(
            categories=configured_categories(official=self.request.user),
            rules=configured_rules(official=self.request.user),
            units=units[:200],
            agencies=Agency.objects.filter(is_active=True).order_by("unit__path", "name"),
            audiences=Audience.choices,
            stages=STAGES,
        )
        return context

    def post(self, request):
        data = request.POST
        units = {str(u.uuid): u for u in self.units()}
        try:
            unit = units[data.get("unit", "")]
            if data.get("what") == "category":
                days = {f"{s}_days": int(data.get(f"{s}_days") or 0) for s in STAGES}
                category_save(
                    actor=request.user,
                    unit=unit,
                    code=data.get("code", "").strip(),
                    name=data.get("name", ""),
                    audience=data.get("audience") or Audience.BOTH,
                    **days,
                )
            else:
                categories = {str(c.uuid): c for c in configured_categories(official=request.user)}
                area = units.get(data.get("area", "")) if data.get("area") else None
                if data.get("area") and area is None:
                    area = AdministrativeUnit.objects.get(uuid=data["area"], path__startswith=unit.path)
                routing_rule_save(
                    actor=request.user,
                    unit=unit,
                    category=categories.get(data.get("category", "")),
                    area=area,
                    agency=Agency.objects.get(uuid=data.get("agency"), is_active=True),
                )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        except (KeyError, ValueError, Agency.DoesNotExist, AdministrativeUnit.DoesNotExist):
            messages.error(request, _("Choose from the list."))
        else:
            messages.success(request, _("Saved."))
        return redirect("console:petition_config")
