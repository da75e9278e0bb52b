from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from ketnoi.api.dvcqg import selectors
from ketnoi.api.dvcqg.relay import relay_retry
from ketnoi.core.errors import ApplicationError

from ..base import ConsoleView


class RelayDeadListView(ConsoleView):
    template_name = "console/dvcqg/relay_dead.html"
    capability = "dvcqg.view"
    nav_key = "dvcqg"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            page=self.paginate(selectors.relay_dead_list(official=self.request.user)),
            can_retry=self.scope.can("dvcqg.manage"),
        )
        return context


class RelayRetryView(ConsoleView):
    capability = "dvcqg.manage"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        item = selectors.relay_item_get(official=request.user, uuid=self.kwargs["uuid"])
        try:
            relay_retry(actor=request.user, item=item)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The payload is queued for the upstream again."))
        return redirect("console:dvcqg_relay_dead")
