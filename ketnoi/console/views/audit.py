from ketnoi.orgs import selectors as orgs

from .base import ConsoleView


class AuditListView(ConsoleView):
    template_name = "console/audit/list.html"
    capability = "audit.view"
    nav_key = "audit"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        entries = orgs.audit_list(
            official=self.request.user,
            action=params.get("action", ""),
            actor=params.get("actor", ""),
            target=params.get("target", ""),
        )
        context.update(page=self.paginate(entries), params=params)
        context["can_personal_data"] = self.scope.can("personal_data.manage")
        return context

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["console/audit/_rows.html"]
        return [self.template_name]


class AuditDetailView(ConsoleView):
    template_name = "console/audit/detail.html"
    capability = "audit.view"
    nav_key = "audit"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["entry"] = orgs.audit_get(official=self.request.user, entry_id=self.kwargs["pk"])
        return context
