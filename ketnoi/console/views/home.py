from django.db.models import Count

from ketnoi.broadcasts import selectors as broadcasts
from ketnoi.broadcasts.models import Topic
from ketnoi.documents import selectors as documents
from ketnoi.dossiers import selectors as dossiers
from ketnoi.dossiers.states import FINAL_STATES
from ketnoi.orgs import selectors as orgs
from ketnoi.orgs.models import COMMUNE_KINDS
from ketnoi.orgs.roles import Role
from ketnoi.petitions import selectors as petitions

from .base import ConsoleView


class HomeView(ConsoleView):
    """Each role's starting page: what that official is responsible for, and the work waiting for them."""

    template_name = "console/home.html"
    nav_key = "home"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        memberships = user.memberships.filter(is_active=True).select_related("unit", "agency", "desk")
        roles = self.scope.roles
        context["memberships"] = memberships
        context["roles"] = roles
        context["Role"] = Role
        context["documents_open"] = documents.open_count(user_id=user.pk)
        if self.scope.can("orgs.view"):
            units = orgs.unit_list(official=user)
            context["unit_counts"] = dict(units.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
            context["commune_count"] = units.filter(kind__in=COMMUNE_KINDS).count()
            context["agency_count"] = orgs.agency_list(official=user).count()
            context["official_count"] = orgs.membership_list(official=user).values("user").distinct().count()
        if self.scope.can("dossiers.view"):
            open_dossiers = dossiers.dossier_list(official=user).exclude(state__in=FINAL_STATES)
            context["dossier_counts"] = {
                "open": open_dossiers.count(),
                "at_risk": open_dossiers.filter(dossiers.at_risk_q()).count(),
                "overdue": open_dossiers.filter(dossiers.overdue_q()).count(),
            }
            context["apology_prompts"] = dossiers.apology_prompts(official=user).count()
        if self.scope.can("answers.approve"):
            context["answers_waiting"] = petitions.answers_awaiting_approval(official=user).count()
        if self.scope.can("broadcasts.approve"):
            waiting = broadcasts.awaiting_approval(official=user)
            context["broadcasts_waiting"] = waiting.count()
            context["alerts_waiting"] = waiting.filter(topic=Topic.EMERGENCY).count()
        if self.scope.can("audit.view"):
            context["recent_audit"] = orgs.audit_list(official=user)[:8]
        return context
