"""Channels in the console: list with health, detail with recent events, and connecting a Zalo OA."""

import importlib

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic.edit import FormMixin

from ketnoi.channels import selectors
from ketnoi.channels.services import webhook_url, zalo_channel_create
from ketnoi.core.errors import ApplicationError

from .base import ConsoleView


def outbox_stats_for(official, channels) -> dict | None:
    """HOOK for the outbox's queue depth and failures per channel: `ketnoi.outbox.selectors.channel_stats(
    official=..., channels=[...])` returning {channel pk: {...}}. None (and the column hidden) until it exists."""
    try:
        module = importlib.import_module("ketnoi.outbox.selectors")
    except ImportError:
        return None
    channel_stats = getattr(module, "channel_stats", None)
    if channel_stats is None:
        return None
    return channel_stats(official=official, channels=list(channels))


class ZaloChannelForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("Unit"), queryset=None)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    oa_id = forms.RegexField(label=gettext_lazy("OA id"), regex=r"^\d{5,25}$", max_length=25)
    app_id = forms.RegexField(label=gettext_lazy("App id"), regex=r"^\d{5,25}$", max_length=25)
    app_secret = forms.CharField(label=gettext_lazy("App secret key"), widget=forms.PasswordInput)
    oa_secret_key = forms.CharField(
        label=gettext_lazy("OA secret key (for webhook signatures)"), widget=forms.PasswordInput
    )
    access_token = forms.CharField(label=gettext_lazy("Access token"), widget=forms.PasswordInput)
    refresh_token = forms.CharField(label=gettext_lazy("Refresh token"), widget=forms.PasswordInput)
    quota_per_minute = forms.IntegerField(
        label=gettext_lazy("Calls per minute (the app's quota)"), min_value=1, initial=4000
    )

    def __init__(self, *args, official, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.units_for_new_channel(official=official)


def _templates_form(channel):
    from .channel_setup import TemplatesForm

    if channel.type_code != "zalo":
        return None
    return TemplatesForm(initial={name: channel.config.get(name, "") for name in TemplatesForm.base_fields})


class ChannelListView(ConsoleView):
    template_name = "console/channels/list.html"
    capability = "channels.view"
    nav_key = "channels"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        channels = list(selectors.channel_list(official=self.request.user))
        health = selectors.channel_health(channels)
        outbox = outbox_stats_for(self.request.user, channels)
        context.update(
            rows=[(c, health[c.pk], (outbox or {}).get(c.pk)) for c in channels],
            has_outbox_stats=outbox is not None,
            can_manage=self.scope.can("channels.manage"),
        )
        return context


class ChannelDetailView(ConsoleView):
    template_name = "console/channels/detail.html"
    capability = "channels.view"
    nav_key = "channels"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        channel = selectors.channel_get(official=self.request.user, uuid=self.kwargs["uuid"])
        outbox = outbox_stats_for(self.request.user, [channel])
        context.update(
            channel=channel,
            channel_type=channel.channel_type,
            health=selectors.channel_health([channel])[channel.pk],
            outbox=(outbox or {}).get(channel.pk),
            has_outbox_stats=outbox is not None,
            events=selectors.channel_events(channel=channel),
            webhook_url=webhook_url(channel) if channel.type_code != "sms" else "",
            webhook_events=channel.channel_type.webhook_events,
            can_manage=self.scope.narrowed("channels.manage").covers_path(channel.unit.path),
            templates_form=_templates_form(channel),
        )
        if channel.type_code == "messenger" and context["can_manage"]:
            # Facebook asks for it beside the callback URL; it only lets Facebook subscribe the URL, sends nothing.
            context["verify_token"] = channel.secrets.get("verify_token", "")
        return context


class ZaloChannelCreateView(FormMixin, ConsoleView):
    template_name = "console/channels/form.html"
    capability = "channels.manage"
    nav_key = "channels"
    form_class = ZaloChannelForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "official": self.request.user}

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            try:
                channel = zalo_channel_create(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Zalo OA %(name)s connected.") % {"name": channel.name})
                return redirect("console:channel_detail", uuid=channel.uuid)
        # Credentials are never sent back to the browser: the password inputs render empty.
        return self.render_to_response(self.get_context_data(form=form))
