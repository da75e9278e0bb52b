"""One conversation: the thread (polled live), the reply box with the channel's window, notes, assignment, closing,
and the citizen's history beside it. Every write is an inbox service; errors re-show the page with what was typed."""

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.core.errors import ApplicationError
from ketnoi.core.redaction import mask_phone
from ketnoi.inbox.history import contact_history
from ketnoi.inbox.selectors import canned_replies_for, handoff_get, handoff_thread
from ketnoi.inbox.services import (
    handoff_add_note,
    handoff_assign,
    handoff_close,
    handoff_reply,
    handoff_take,
    handoff_transfer,
    handoff_unassign,
)
from ketnoi.inbox.services.common import MANAGE, answerers_of, can
from ketnoi.inbox.states import HandoffState
from ketnoi.inbox.teams import team_name, transfer_targets
from ketnoi.inbox.window import reply_window

from ..base import ConsoleView
from .forms import CloseForm, NoteForm, ReplyForm, TransferForm
from .listing import POLL_SECONDS

ACTIONS = ("take", "assign", "unassign", "reply", "note", "close", "transfer")


class HandoffDetailView(ConsoleView):
    template_name = "console/inbox/detail.html"
    capability = "inbox.answer"
    nav_key = "inbox"

    def get_template_names(self):
        if self.request.headers.get("HX-Request") and self.request.GET.get("part") == "thread":
            return ["console/inbox/_live.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        handoff = kwargs.get("handoff") or handoff_get(official=user, uuid=self.kwargs["uuid"])
        now = timezone.now()
        window = reply_window(handoff.channel_contact, now)
        context.update(
            handoff=handoff,
            entries=handoff_thread(handoff=handoff),
            window=window,
            phone_masked=mask_phone(window.phone) if window.phone else "",
            now=now,
            poll_seconds=POLL_SECONDS,
            first_response_overdue=handoff.first_response_overdue(now),
            resolution_overdue=handoff.resolution_overdue(now),
            is_mine=handoff.assigned_to_id == user.pk,
            can_manage=can(user, MANAGE, handoff.unit),
            closed=handoff.state == HandoffState.CLOSED,
            team_name=team_name(handoff.unit),
        )
        if self.request.GET.get("part") == "thread":
            return context
        bound = kwargs.get("bound") or {}
        targets = [(unit, team_name(unit)) for unit in transfer_targets(handoff)]
        context.update(
            history=contact_history(official=user, handoff=handoff),
            canned=canned_replies_for(official=user, unit=handoff.unit),
            team=answerers_of(handoff.unit).order_by("username"),
            reply_form=bound.get("reply") or ReplyForm(initial={"token": uuid.uuid4().hex}),
            note_form=bound.get("note") or NoteForm(),
            close_form=bound.get("close") or CloseForm(initial={"return_to_bot": True}),
            transfer_form=bound.get("transfer") or TransferForm(targets=targets),
        )
        return context


class HandoffActionView(HandoffDetailView):
    http_method_names = ["post"]

    def post(self, request, uuid, action):
        if action not in ACTIONS:
            raise Http404
        handoff = handoff_get(official=request.user, uuid=uuid)
        form = {"reply": ReplyForm, "note": NoteForm, "close": CloseForm}.get(action)
        bound = form(request.POST) if form else None
        if action == "transfer":
            targets = [(unit, team_name(unit)) for unit in transfer_targets(handoff)]
            bound = TransferForm(request.POST, targets=targets)
        if bound is not None and not bound.is_valid():
            messages.error(request, _("Check the form below."))
            return self._again(handoff, action, bound)
        try:
            done = self.apply(action, handoff, bound.cleaned_data if bound else {})
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return self._again(handoff, action, bound)
        messages.success(request, done)
        if action == "transfer" and not _still_visible(request.user, handoff):
            return redirect("console:inbox_list")  # it now belongs to a team outside this official's scope
        return redirect("console:inbox_detail", uuid=handoff.uuid)

    def _again(self, handoff, action, bound):
        handoff.refresh_from_db()
        context = self.get_context_data(handoff=handoff, bound={action: bound} if bound is not None else {})
        return self.render_to_response(context, status=200)

    def apply(self, action: str, handoff, data: dict) -> str:
        actor = self.request.user
        if action == "take":
            handoff_take(actor=actor, handoff=handoff)
            return _("The conversation is yours.")
        if action == "assign":
            to = get_object_or_404(answerers_of(handoff.unit), pk=self.request.POST.get("to") or 0)
            handoff_assign(actor=actor, handoff=handoff, to=to)
            return _("Assigned to %(name)s.") % {"name": to.get_full_name() or to.get_username()}
        if action == "unassign":
            handoff_unassign(actor=actor, handoff=handoff)
            return _("Given back to the team.")
        if action == "reply":
            as_template = self.request.POST.get("send") == "template"
            handoff_reply(actor=actor, handoff=handoff, text=data["text"], token=data["token"], as_template=as_template)
            return _("Sent as a template message to the citizen's phone.") if as_template else _("Reply queued.")
        if action == "transfer":
            unit = data["to"]
            handoff_transfer(actor=actor, handoff=handoff, to_unit=unit, note=data.get("note", ""))
            return _("Passed to %(team)s; the citizen is told who answers now.") % {"team": team_name(unit)}
        if action == "note":
            handoff_add_note(actor=actor, handoff=handoff, text=data["text"])
            return _("Note added.")
        handoff_close(actor=actor, handoff=handoff, return_to_bot=data["return_to_bot"], note=data.get("note", ""))
        if data["return_to_bot"]:
            return _("Closed; the virtual assistant answers the citizen again.")
        return _("Closed.")


def _still_visible(official, handoff) -> bool:
    try:
        handoff_get(official=official, uuid=handoff.uuid)
    except Http404:
        return False
    return True
