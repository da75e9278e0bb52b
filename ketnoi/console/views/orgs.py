from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic.edit import FormMixin

from ketnoi.core.errors import ApplicationError
from ketnoi.orgs import selectors as orgs
from ketnoi.orgs import services
from ketnoi.orgs.models import UnitKind

from ..forms import OfficialCreateForm
from .base import ConsoleView


class UnitListView(ConsoleView):
    template_name = "console/units/list.html"
    capability = "orgs.view"
    nav_key = "units"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        units = orgs.unit_list(
            official=self.request.user,
            kind=params.get("kind", ""),
            query=params.get("q", ""),
            include_past=params.get("past") == "1",
        )
        can_manage = self.scope.can("orgs.manage_officials")
        context.update(page=self.paginate(units), kinds=UnitKind.choices, params=params, can_manage=can_manage)
        return context

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["console/units/_rows.html"]
        return [self.template_name]


class UnitDetailView(ConsoleView):
    template_name = "console/units/detail.html"
    capability = "orgs.view"
    nav_key = "units"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        unit = orgs.unit_get(official=user, uuid=self.kwargs["uuid"])
        context.update(
            unit=unit,
            children=orgs.unit_list(official=user, include_past=True).filter(parent=unit),
            agencies=orgs.agency_list(official=user, unit=unit),
            predecessors=unit.predecessors.all(),
            successors=unit.successors.all(),
            can_manage=self.scope.narrowed("orgs.manage_officials").covers_path(unit.path),
        )
        return context


class AgencyListView(ConsoleView):
    template_name = "console/agencies/list.html"
    capability = "orgs.view"
    nav_key = "agencies"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["agencies"] = orgs.agency_list(official=self.request.user)
        context["can_manage"] = self.scope.can("orgs.manage_officials")
        return context


class AgencyDetailView(ConsoleView):
    template_name = "console/agencies/detail.html"
    capability = "orgs.view"
    nav_key = "agencies"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        agency = orgs.agency_get(official=user, uuid=self.kwargs["uuid"])
        context.update(
            agency=agency,
            desks=orgs.desk_list(official=user, agency=agency),
            memberships=orgs.membership_list(official=user).filter(agency=agency),
            can_manage=self.scope.narrowed("orgs.manage_officials").covers_path(agency.unit.path),
        )
        return context


class OfficialListView(ConsoleView):
    template_name = "console/officials/list.html"
    capability = "orgs.view"
    nav_key = "officials"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "")
        context.update(
            page=self.paginate(orgs.membership_list(official=self.request.user, query=query)),
            q=query,
            can_manage=self.scope.can("orgs.manage_officials"),
        )
        return context


class OfficialCreateView(FormMixin, ConsoleView):
    template_name = "console/officials/form.html"
    capability = "orgs.manage_officials"
    nav_key = "officials"
    form_class = OfficialCreateForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "official": self.request.user}

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.official_create(
                    actor=request.user,
                    username=data["username"],
                    full_name=data["full_name"],
                    password=data["password"],
                    email=data["email"],
                    unit=data["unit"],
                    role=data["role"],
                    agency=data["agency"],
                    desk=data["desk"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Official %(name)s created.") % {"name": user.get_username()})
                return redirect("console:official_list")
        return self.render_to_response(self.get_context_data(form=form))


class MembershipDetailView(ConsoleView):
    template_name = "console/officials/detail.html"
    capability = "orgs.view"
    nav_key = "officials"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        membership = orgs.membership_get(official=self.request.user, uuid=self.kwargs["uuid"])
        from .officials import account_context

        context.update(
            membership=membership,
            history=orgs.audit_list(official=self.request.user, target=str(membership.uuid))[:20],
            account_history=orgs.audit_list(official=self.request.user).filter(
                target_type="auth.user", target_id=str(membership.user_id)
            )[:20],
            can_manage=self.scope.narrowed("orgs.manage_officials").covers_path(membership.unit.path),
            **account_context(self, membership),
        )
        return context


class MembershipRevokeView(ConsoleView):
    capability = "orgs.manage_officials"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        membership = orgs.membership_get(official=request.user, uuid=self.kwargs["uuid"])
        try:
            services.membership_revoke(actor=request.user, membership=membership)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Role revoked."))
        return redirect("console:membership_detail", uuid=membership.uuid)
