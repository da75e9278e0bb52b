"""One POST per action on a petition, each calling its service; errors re-show the page with a message."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from ketnoi.core.errors import ApplicationError
from ketnoi.orgs.models import Agency
from ketnoi.petitions import services
from ketnoi.petitions.models import Petition
from ketnoi.petitions.selectors import petition_get

from .queue import PetitionDetailView

ACTIONS = {
    "accept",
    "forward",
    "refuse",
    "merge",
    "assign",
    "answer",
    "approve",
    "return",
    "publish",
    "close",
}


class PetitionActionView(PetitionDetailView):
    http_method_names = ["post"]

    def post(self, request, uuid, action):
        if action not in ACTIONS:
            raise Http404
        petition = petition_get(official=request.user, uuid=uuid)
        try:
            self.apply(action, petition, request.POST)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        except (Agency.DoesNotExist, Petition.DoesNotExist, get_user_model().DoesNotExist, ValueError):
            messages.error(request, _("Choose from the list."))
        else:
            messages.success(request, _("Done: %(code)s.") % {"code": petition.tracking_code})
        return redirect("console:petition_detail", uuid=petition.uuid)

    def apply(self, action: str, petition, data) -> None:
        actor = self.request.user
        if action == "accept":
            services.petition_accept(actor=actor, petition=petition)
        elif action == "forward":
            agency = Agency.objects.get(uuid=data.get("agency"), is_active=True)
            services.petition_forward(actor=actor, petition=petition, agency=agency, reason=data.get("reason", ""))
        elif action == "refuse":
            services.petition_refuse(actor=actor, petition=petition, reason=data.get("reason", ""))
        elif action == "merge":
            into = petition_get(official=actor, uuid=data.get("into"))
            services.petition_merge(actor=actor, petition=petition, into=into)
        elif action == "assign":
            assignee = get_user_model().objects.get(pk=int(data.get("assignee", "")))
            services.petition_assign(actor=actor, petition=petition, assignee=assignee)
        elif action == "answer":
            services.answer_submit(
                actor=actor, petition=petition, text=data.get("text", ""), publish=data.get("publish") == "1"
            )
        elif action == "approve":
            services.answer_approve(actor=actor, petition=petition)
        elif action == "return":
            services.answer_return(actor=actor, petition=petition, note=data.get("note", ""))
        elif action == "publish":
            services.petition_publish(
                actor=actor,
                petition=petition,
                subject=data.get("subject", ""),
                text=data.get("text", ""),
                answer=data.get("answer", ""),
            )
        elif action == "close":
            services.petition_close(actor=actor, petition=petition, note=data.get("note", ""))
