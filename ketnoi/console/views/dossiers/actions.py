"""One small form per legal move (and the apology, postal, authorization, document review), each calling its
domain service. Errors re-show the dossier page with what was typed; nothing is written half-way."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from ketnoi.core.errors import ApplicationError
from ketnoi.dossiers.models import DossierAttachment, EventSource
from ketnoi.dossiers.selectors import dossier_get
from ketnoi.dossiers.selectors_console import legal_moves
from ketnoi.dossiers.services import delivery, intake, lifecycle
from ketnoi.dossiers.states import TRANSITIONS, Party, State

from .forms import ReviewForm, form_class_for
from .queue import DossierDetailView

EXTRA_ACTIONS = {"apology", "postal", "authorize", "review"}


class DossierActionView(DossierDetailView):
    http_method_names = ["post"]

    def post(self, request, uuid, action):
        user = request.user
        dossier = dossier_get(official=user, uuid=uuid)
        if action not in EXTRA_ACTIONS and action not in legal_moves(official=user, dossier=dossier):
            raise Http404
        form_class = ReviewForm if action == "review" else form_class_for(action)
        form = form_class(request.POST, request.FILES, prefix=None if action == "review" else action)
        if form.is_valid():
            try:
                self.apply(action, dossier, form.cleaned_data)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Done: %(code)s.") % {"code": dossier.receipt_code})
                return redirect("console:dossier_detail", uuid=dossier.uuid)
        else:
            messages.error(request, _("Check the form below."))
        dossier.refresh_from_db()
        context = self.get_context_data(dossier=dossier, bound_forms={action: form})
        return self.render_to_response(context, status=200)

    def source_for(self, dossier, to_state: str) -> str:
        """Desk officers act as the desk; processing officers and leaders as the console (processing)."""
        desk_may = Party.DESK in TRANSITIONS.get((dossier.state, to_state), frozenset())
        if desk_may and self.scope.can("dossiers.intake") and not self.scope.can("dossiers.process"):
            return EventSource.DESK
        if to_state == State.RESULT_RETURNED:
            return EventSource.DESK
        return EventSource.CONSOLE

    def apply(self, action: str, dossier, data: dict) -> None:
        actor = self.request.user
        if action == "apology":
            lifecycle.dossier_issue_apology(
                actor=actor, dossier=dossier, new_due_date=data["new_due_date"], reason=data["reason"]
            )
        elif action == "postal":
            delivery.dossier_register_postal(
                actor=actor, dossier=dossier, address=data["address"], source=EventSource.DESK
            )
        elif action == "authorize":
            delivery.dossier_authorize_collector(
                actor=actor,
                dossier=dossier,
                name=data["name"],
                id_number=data["id_number"],
                phone=data["phone"],
                source=EventSource.DESK,
            )
        elif action == "review":
            attachment = get_object_or_404(DossierAttachment, dossier=dossier, uuid=self.request.POST.get("attachment"))
            delivery.dossier_review_attachment(
                actor=actor, attachment=attachment, accept=data["decision"] == "accept", note=data["note"]
            )
        else:
            self.apply_move(action, dossier, data)

    def apply_move(self, to_state: str, dossier, data: dict) -> None:
        actor, source = self.request.user, self.source_for(dossier, to_state)
        note = data.get("note", "")
        if to_state == State.SUPPLEMENT_REQUESTED:
            lifecycle.dossier_request_supplement(
                actor=actor,
                dossier=dossier,
                missing=data["missing"],
                due_date=data["due_date"],
                note=note,
                source=source,
            )
        elif to_state == State.SUPPLEMENTED:
            lifecycle.dossier_supplement_received(actor=actor, dossier=dossier, note=note, source=source)
        elif to_state == State.RESULT_READY:
            lifecycle.dossier_result_ready(
                actor=actor,
                dossier=dossier,
                collection_place=data["collection_place"],
                collection_note=data["collection_note"],
                result_file=data.get("result_file"),
                note=note,
                source=source,
            )
        elif to_state == State.RESULT_RETURNED:
            lifecycle.dossier_return_result(
                actor=actor, dossier=dossier, collected_by=data["collected_by"], note=note, source=source
            )
        elif to_state == State.RECEIVED and dossier.state == State.SUBMITTED:
            intake.dossier_accept_online(actor=actor, dossier=dossier, source=source)
        else:
            lifecycle.dossier_transition(actor=actor, dossier=dossier, to_state=to_state, note=note, source=source)
