import json

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from ketnoi.api.dvcqg import selectors
from ketnoi.api.dvcqg.services.accounts import dvcqg_client_set_relay
from ketnoi.core.errors import ApplicationError
from ketnoi.core.redaction import redact_text

from ..base import ConsoleView


class ClientListView(ConsoleView):
    template_name = "console/dvcqg/client_list.html"
    capability = "dvcqg.view"
    nav_key = "dvcqg"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["clients"] = selectors.client_list(official=self.request.user)
        return context


class ClientDetailView(ConsoleView):
    template_name = "console/dvcqg/client_detail.html"
    capability = "dvcqg.view"
    nav_key = "dvcqg"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        client = selectors.client_get(official=self.request.user, uuid=self.kwargs["uuid"])
        context.update(
            client=client,
            traffic=selectors.client_traffic(client=client),
            can_manage=self.scope.can("dvcqg.manage"),
        )
        return context


class ClientRelayView(ConsoleView):
    """Relay on or off (and the upstream URL)."""

    capability = "dvcqg.manage"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        client = selectors.client_get(official=request.user, uuid=self.kwargs["uuid"], capability="dvcqg.manage")
        try:
            dvcqg_client_set_relay(
                actor=request.user,
                client=client,
                relay_enabled=request.POST.get("relay_enabled") == "on",
                upstream_url=request.POST.get("upstream_url", "").strip(),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The relay settings are saved."))
        return redirect("console:dvcqg_client_detail", uuid=client.uuid)


class RequestDetailView(ConsoleView):
    """One call as received: the raw body (phone and ID numbers masked) and the answer per item."""

    template_name = "console/dvcqg/request_detail.html"
    capability = "dvcqg.view"
    nav_key = "dvcqg"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = selectors.request_get(official=self.request.user, uuid=self.kwargs["uuid"])
        try:
            body = json.dumps(json.loads(request.body), ensure_ascii=False, indent=2)
        except ValueError:
            body = request.body
        context.update(
            call=request,
            body=redact_text(body),
            results=redact_text(json.dumps(request.results, ensure_ascii=False, indent=2)),
        )
        return context
