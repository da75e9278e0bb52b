"""Outbox pages: the dead-letter list with a retry action, and the message log of one person."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from ketnoi.core.errors import ApplicationError
from ketnoi.outbox import selectors, services

from .base import ConsoleView


class DeadLetterListView(ConsoleView):
    template_name = "console/outbox/dead_letters.html"
    capability = "channels.view"
    nav_key = "outbox"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()
        page = self.paginate(selectors.dead_letter_list(official=self.request.user, query=query))
        context.update(page=page, query=query, can_retry=self.scope.can("channels.manage"))
        return context


class MessageRetryView(ConsoleView):
    capability = "channels.manage"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        message = selectors.message_get(official=request.user, uuid=self.kwargs["uuid"], capability="channels.manage")
        try:
            services.outbox_retry(actor=request.user, message=message)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The message is queued again."))
        return redirect("console:outbox_dead_letters")


class ContactMessageLogView(ConsoleView):
    template_name = "console/outbox/contact_log.html"
    capability = "channels.view"
    nav_key = "outbox"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contact = selectors.contact_get(official=self.request.user, uuid=self.kwargs["uuid"])
        context.update(
            contact=contact, entries=selectors.contact_message_log(official=self.request.user, contact=contact)
        )
        return context
