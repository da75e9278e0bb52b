"""The processing queue (per agency, by due date, at-risk and overdue coloured) and a dossier's page."""

import datetime as dt

from django.utils import timezone

from ketnoi.core.phones import display_phone
from ketnoi.dossiers.desk import documents_received
from ketnoi.dossiers.models import AttachmentStatus
from ketnoi.dossiers.selectors import dossier_get, dossier_timeline, missing_items
from ketnoi.dossiers.selectors_console import legal_moves, queue
from ketnoi.dossiers.services.delivery import postal_fee_for
from ketnoi.dossiers.services.lifecycle import is_at_risk
from ketnoi.dossiers.states import BEFORE_COLLECTION, State
from ketnoi.procedures.models import Procedure

from ..base import ConsoleView
from .forms import ApologyForm, AuthorizeForm, PostalForm, action_forms


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


class DossierQueueView(ConsoleView):
    template_name = "console/dossiers/queue.html"
    capability = "dossiers.view"
    nav_key = "dossier_queue"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        dossiers = queue(
            official=self.request.user,
            state=params.get("state", "") if params.get("state", "") in State.values else "",
            procedure_code=params.get("procedure", ""),
            received_from=_date(params.get("from", "")),
            received_to=_date(params.get("to", "")),
            overdue=params.get("overdue") == "1",
            at_risk=params.get("risk") == "1",
            query=params.get("q", ""),
            include_closed=params.get("closed") == "1",
        )
        context.update(
            page=self.paginate(dossiers),
            params=params,
            states=State.choices,
            procedures=Procedure.objects.filter(is_active=True).only("code", "name").order_by("name"),
        )
        return context

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["console/dossiers/_queue_rows.html"]
        return [self.template_name]


class DossierDetailView(ConsoleView):
    template_name = "console/dossiers/detail.html"
    capability = "dossiers.view"
    nav_key = "dossier_queue"
    forms_override: dict | None = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        dossier = kwargs.get("dossier") or dossier_get(official=user, uuid=self.kwargs["uuid"])
        moves = legal_moves(official=user, dossier=dossier)
        can_process = self.scope.can("dossiers.process")
        can_desk = self.scope.can("dossiers.intake")
        at_risk = is_at_risk(dossier)
        bound = kwargs.get("bound_forms") or {}
        forms = action_forms(dossier, moves, bound=bound)
        for move, form in forms:
            form.target_label = State(move).label
        context.update(
            dossier=dossier,
            state_label=State(dossier.state).label,
            timeline=dossier_timeline(dossier=dossier),
            missing=missing_items(dossier),
            documents=documents_received(dossier),
            attachments=dossier.attachments.all(),
            pending=AttachmentStatus.PENDING,
            ratings=dossier.ratings.select_related("officer"),
            forms=forms,
            overdue=dossier.is_overdue,
            at_risk=at_risk,
            show_apology=can_process and at_risk and dossier.apology_issued_at is None,
            can_desk=can_desk and dossier.state in BEFORE_COLLECTION,
            postal_allowed=dossier.procedure.allows_postal_return,
            authorization_allowed=dossier.procedure.allows_authorization,
            postal_fee=postal_fee_for(dossier),
            today=timezone.localdate(),
            applicant_phone=display_phone(dossier.applicant_phone) if dossier.applicant_phone else "",
            apology_form=bound.get("apology") or ApologyForm(prefix="apology"),
            postal_form=bound.get("postal") or PostalForm(prefix="postal"),
            authorize_form=bound.get("authorize") or AuthorizeForm(prefix="authorize"),
        )
        return context
