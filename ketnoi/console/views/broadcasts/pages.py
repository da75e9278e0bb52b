"""Broadcast list, composer (with the phone preview and the reach/cost estimate), detail with approval actions,
and the live progress polled by htmx."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from ketnoi.broadcasts import selectors
from ketnoi.broadcasts.audience import Audience, audience_of, chat_groups_in, reach_in, recipient_count
from ketnoi.broadcasts.models import Broadcast
from ketnoi.broadcasts.services import (
    broadcast_approve,
    broadcast_cancel,
    broadcast_create,
    broadcast_estimate,
    broadcast_reject,
    broadcast_submit,
    broadcast_update,
    broadcast_withdraw,
    group_payload_for,
    payload_for,
)
from ketnoi.broadcasts.states import EDITABLE, FINAL, State
from ketnoi.core.errors import ApplicationError, NotPermitted

from ..base import ConsoleView
from .forms import BroadcastForm

POLL_SECONDS = 2


class BroadcastListView(ConsoleView):
    template_name = "console/broadcasts/list.html"
    capability = None  # editors compose, leaders approve: either opens the list (the selector scopes it)
    nav_key = "broadcasts"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        state = self.request.GET.get("state", "")
        broadcasts = selectors.broadcast_list(official=self.request.user, state=state)
        context.update(
            page=self.paginate(broadcasts),
            state=state,
            states=State.choices,
            can_compose=self.scope.can("broadcasts.compose"),
        )
        return context


class BroadcastComposeView(ConsoleView):
    """New draft (no uuid) or edit of a draft."""

    template_name = "console/broadcasts/compose.html"
    capability = "broadcasts.compose"
    nav_key = "broadcasts"

    def _broadcast(self) -> Broadcast | None:
        if "uuid" not in self.kwargs:
            return None
        broadcast = selectors.broadcast_get(official=self.request.user, uuid=self.kwargs["uuid"])
        if broadcast.state not in EDITABLE:
            raise Http404
        return broadcast

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        broadcast = self._broadcast()
        form = kwargs.get("form")
        if form is None:
            initial = BroadcastForm.initial_of(broadcast) if broadcast else {"subscribers_only": True}
            form = BroadcastForm(official=self.request.user, initial=initial)
        context.update(form=form, broadcast=broadcast)
        return context

    def post(self, request, *args, **kwargs):
        broadcast = self._broadcast()
        form = BroadcastForm(request.POST, official=request.user)
        if form.is_valid():
            try:
                if broadcast is None:
                    broadcast = broadcast_create(
                        actor=request.user, unit=form.cleaned_data["unit"], content=form.content()
                    )
                else:
                    broadcast = broadcast_update(actor=request.user, broadcast=broadcast, content=form.content())
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Draft saved."))
                return redirect("console:broadcast_detail", uuid=broadcast.uuid)
        return self.render_to_response(self.get_context_data(form=form))


class BroadcastPreviewView(ConsoleView):
    """htmx: the composer's phone preview and recipient count, from the form as typed (nothing saved)."""

    template_name = "console/broadcasts/_preview.html"
    capability = "broadcasts.compose"

    def post(self, request, *args, **kwargs):
        form = BroadcastForm(request.POST, official=request.user)
        form.is_valid()
        data = form.cleaned_data
        draft = Broadcast(
            title=data.get("title", ""),
            text=data.get("text", ""),
            text_en=data.get("text_en", ""),
            image_url=data.get("image_url", ""),
            link_url=data.get("link_url", ""),
            link_title=data.get("link_title", ""),
            buttons=data.get("buttons") or [],
            path=data.get("path") or "consultation",
            zbs_template_id=data.get("zbs_template_id", ""),
            tags=[],
        )
        channels = data.get("channels") or []
        count = None
        if channels:
            area, exclude = data.get("area"), data.get("exclude_area")
            from .forms import _tags

            count = recipient_count(
                Audience(
                    channel_ids=tuple(c.pk for c in channels),
                    area_path=area.path if area else "",
                    exclude_area_path=exclude.path if exclude else "",
                    tags=tuple(_tags(data.get("tags", ""))),
                    exclude_tags=tuple(_tags(data.get("exclude_tags", ""))),
                    topic=data.get("topic", "") if data.get("subscribers_only") else "",
                    testers_only=bool(data.get("is_training")),
                )
            )
        if channels and data.get("to_group_chats"):
            area = data.get("area")
            chats = chat_groups_in(
                channel_ids=[c.pk for c in channels],
                area_path=area.path if area else (data["unit"].path if data.get("unit") else ""),
                exclude_area_path=data["exclude_area"].path if data.get("exclude_area") else "",
                community_group_ids=[g.pk for g in data.get("community_groups") or []],
            )
            group_count, count = reach_in(chats)
        else:
            group_count = None
        context = self.get_context_data(
            payload=group_payload_for(draft) if data.get("to_group_chats") else payload_for(draft),
            group_count=group_count,
            count=count,
            title=draft.title,
            oa_name=", ".join(c.name for c in channels),
            area=data.get("area"),
            exclude_area=data.get("exclude_area"),
        )
        return self.render_to_response(context)


class BroadcastDetailView(ConsoleView):
    template_name = "console/broadcasts/detail.html"
    capability = None  # editors compose, leaders approve: the selector admits either, else 404
    nav_key = "broadcasts"

    def get_template_names(self):
        if self.request.headers.get("HX-Request") and self.request.GET.get("part") == "progress":
            return ["console/broadcasts/_progress.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        broadcast = selectors.broadcast_get(official=user, uuid=self.kwargs["uuid"])
        progress = selectors.broadcast_progress(broadcast)
        context.update(broadcast=broadcast, progress=progress, poll_seconds=POLL_SECONDS)
        if self.request.GET.get("part") == "progress":
            return context
        scope = self.scope
        can_approve = scope.narrowed("broadcasts.approve").can("broadcasts.approve") and scope.narrowed(
            "broadcasts.approve"
        ).covers_path(broadcast.unit.path)
        context.update(
            oa_name=", ".join(c.name for c in broadcast.channels.all()),
            payload=payload_for(broadcast),
            payload_en=payload_for(broadcast, language="en") if broadcast.text_en else None,
            estimate=broadcast_estimate(broadcast) if broadcast.state not in FINAL else None,
            audience=audience_of(broadcast),
            transitions=broadcast.transitions.select_related("actor"),
            groups=selectors.group_reach(broadcast) if broadcast.state in (State.SENDING, State.SENT) else [],
            can_edit=broadcast.state in EDITABLE,
            can_approve=can_approve and broadcast.state == State.SUBMITTED,
            own=broadcast.author_id == user.pk,
            active=broadcast.state in (State.SENDING, State.SCHEDULED),
            final=broadcast.state in FINAL,
        )
        return context


ACTIONS = {
    "submit": lambda user, b, reason: broadcast_submit(actor=user, broadcast=b),
    "approve": lambda user, b, reason: broadcast_approve(actor=user, broadcast=b),
    "reject": lambda user, b, reason: broadcast_reject(actor=user, broadcast=b, reason=reason),
    "withdraw": lambda user, b, reason: broadcast_withdraw(actor=user, broadcast=b),
    "cancel": lambda user, b, reason: broadcast_cancel(actor=user, broadcast=b, reason=reason),
}


class BroadcastActionView(BroadcastDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        action = ACTIONS.get(self.kwargs["action"])
        broadcast = selectors.broadcast_get(official=request.user, uuid=self.kwargs["uuid"])
        if action is None:
            raise Http404
        try:
            action(request.user, broadcast, request.POST.get("reason", ""))
        except NotPermitted as exc:
            messages.error(request, _(exc.message))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Done."))
        return redirect("console:broadcast_detail", uuid=broadcast.uuid)
