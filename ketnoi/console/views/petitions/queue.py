"""The petition queue of an official's units and agencies, with reminders and escalations, and the detail page."""

from django.utils import timezone

from ketnoi.core.redaction import mask_phone
from ketnoi.orgs.models import Agency
from ketnoi.orgs.scoping import scope_of
from ketnoi.petitions.models import AnswerStatus
from ketnoi.petitions.selectors import (
    alerts_for,
    assignee_choices,
    likely_duplicates,
    petition_get,
    petition_list,
)
from ketnoi.petitions.services import current_answer, public_draft
from ketnoi.petitions.states import OPEN_STATES, State, actions_from

from ..base import ConsoleView


class PetitionQueueView(ConsoleView):
    template_name = "console/petitions/queue.html"
    capability = "petitions.view"
    nav_key = "petitions"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        state = params.get("state", "")
        states = [state] if state in State.values else (None if params.get("all") == "1" else sorted(OPEN_STATES))
        petitions = petition_list(
            official=self.request.user,
            states=states,
            query=params.get("q", ""),
            overdue=params.get("overdue") == "1",
            mine=params.get("mine") == "1",
        )
        today = timezone.localdate()
        page = self.paginate(petitions)
        for petition in page:
            petition.overdue_stages = petition.overdue_stages_on(today)
        context.update(
            page=page,
            params=params,
            states=State.choices,
            alerts=alerts_for(official=self.request.user),
        )
        return context


def agency_choices(official):
    """Every active agency (forwarding may go anywhere in the province, the competent agency decides)."""
    return Agency.objects.filter(is_active=True).order_by("unit__path", "name")


class PetitionDetailView(ConsoleView):
    template_name = "console/petitions/detail.html"
    capability = "petitions.view"
    nav_key = "petitions"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        petition = kwargs.get("petition") or petition_get(official=user, uuid=kwargs["uuid"])
        scope = scope_of(user)
        can_handle = scope.can("petitions.handle")
        can_approve = scope.can("answers.approve")
        answer = current_answer(petition)
        actions = set(actions_from(petition.state))
        context.update(
            petition=petition,
            petitioner_phone=mask_phone(petition.petitioner_phone),
            overdue_stages=petition.overdue_stage_names_on(timezone.localdate()),
            timeline=petition.events.all(),
            attachments=petition.attachments.all(),
            answers=petition.answers.select_related("drafted_by", "reviewed_by"),
            answer=answer,
            alerts=petition.alerts.all(),
            can_handle=can_handle,
            can_approve=can_approve
            and answer is not None
            and answer.status == AnswerStatus.SUBMITTED
            and answer.drafted_by_id != user.pk,
            own_answer_waiting=answer is not None
            and answer.status == AnswerStatus.SUBMITTED
            and answer.drafted_by_id == user.pk,
            actions=actions if can_handle else set(),
            duplicates=likely_duplicates(petition) if can_handle and "merge" in actions else [],
            agencies=agency_choices(user) if can_handle and "forward" in actions else [],
            assignees=assignee_choices(petition) if can_handle and petition.state in OPEN_STATES else [],
            public=public_draft(petition)
            if can_handle and petition.first_answered_at and petition.consent_to_publish and not petition.published_at
            else None,
            state_open=petition.state in OPEN_STATES,
            error_action=kwargs.get("error_action", ""),
        )
        return context
