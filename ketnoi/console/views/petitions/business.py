"""The business association's read-only oversight of business petitions, and the editor's business policy feed."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.core.errors import ApplicationError
from ketnoi.orgs.models import AdministrativeUnit
from ketnoi.orgs.scoping import scope_of
from ketnoi.petitions.selectors import petition_list, policy_get, policy_list
from ketnoi.petitions.services import policy_save
from ketnoi.petitions.states import State, state_label

from ..base import ConsoleView


class OversightView(ConsoleView):
    """Business petitions in the association's province with their resolution status: no names, no phones."""

    template_name = "console/petitions/oversight.html"
    capability = "petitions.oversee"
    nav_key = "petition_oversight"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        state = self.request.GET.get("state", "")
        petitions = petition_list(
            official=self.request.user,
            business_only=True,
            states=[state] if state in State.values else None,
            capability="petitions.oversee",
            query=self.request.GET.get("q", ""),
        )
        today = timezone.localdate()
        page = self.paginate(petitions)
        for petition in page:
            petition.status_label = state_label(petition.state, self.request.LANGUAGE_CODE)
            petition.overdue_stages = petition.overdue_stages_on(today)
        total = petitions.count()
        answered = petitions.filter(first_answered_at__isnull=False)
        context.update(
            page=page,
            states=State.choices,
            params=self.request.GET,
            total=total,
            answered=answered.count(),
            on_time=sum(
                1 for p in answered.select_related(None).only("first_answered_at", "answer_due") if p.answered_on_time
            ),
        )
        return context


def _editor_unit(user) -> AdministrativeUnit | None:
    grant = next(iter(scope_of(user).narrowed("petitions.policies").grants), None)
    if grant is None:
        return None
    return AdministrativeUnit.objects.filter(path=grant.unit_path).first()


class PolicyListView(ConsoleView):
    template_name = "console/petitions/policies.html"
    capability = "petitions.policies"
    nav_key = "business_policies"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        policy = kwargs.get("policy")
        context.update(policies=policy_list(official=self.request.user), policy=policy)
        return context

    def post(self, request, uuid=None):
        policy = policy_get(official=request.user, uuid=uuid) if uuid else None
        unit = policy.unit if policy else _editor_unit(request.user)
        if unit is None:
            messages.error(request, _("You have no unit to publish for."))
            return redirect("console:business_policy_list")
        try:
            policy = policy_save(
                actor=request.user,
                unit=unit,
                policy=policy,
                title=request.POST.get("title", ""),
                summary=request.POST.get("summary", ""),
                body=request.POST.get("body", ""),
                link=request.POST.get("link", ""),
                publish=request.POST.get("publish") == "1",
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved: %(title)s.") % {"title": policy.title})
        return redirect("console:business_policy_list")


class PolicyEditView(PolicyListView):
    def get_context_data(self, **kwargs):
        kwargs["policy"] = policy_get(official=self.request.user, uuid=kwargs["uuid"])
        return super().get_context_data(**kwargs)
