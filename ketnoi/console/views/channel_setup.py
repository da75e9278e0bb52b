"""Connecting channels from the console: a Zalo OA through Zalo's permission page (OAuth v4 with PKCE), then the
webhook URL and events to subscribe, and a signed test event; web chat and an SMS gateway. Writes go through
ketnoi.channels.services (audited, credentials encrypted)."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic.edit import FormMixin

from ketnoi.channels import selectors
from ketnoi.channels import services as channel_services
from ketnoi.core.errors import ApplicationError

from .base import ConsoleView


class ZaloConnectForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("Unit"), queryset=None)
    name = forms.CharField(
        label=gettext_lazy("Name (optional)"),
        max_length=120,
        required=False,
        help_text=gettext_lazy("Empty: the OA's own name on Zalo."),
    )
    app_id = forms.RegexField(label=gettext_lazy("App id"), regex=r"^\d{5,25}$", max_length=25)
    app_secret = forms.CharField(label=gettext_lazy("App secret key"), widget=forms.PasswordInput)
    oa_secret_key = forms.CharField(
        label=gettext_lazy("OA secret key (for webhook signatures)"), widget=forms.PasswordInput
    )

    def __init__(self, *args, official, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.units_for_new_channel(official=official)


class ZaloConnectView(FormMixin, ConsoleView):
    """Step 1: the app's credentials (from developers.zalo.me), then off to Zalo's OA permission page."""

    template_name = "console/channels/connect.html"
    capability = "channels.manage"
    nav_key = "channels"
    form_class = ZaloConnectForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "official": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["callback_url"] = channel_services.zalo_callback_url()
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            try:
                _connection, url = channel_services.zalo_connect_start(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect(url)
        return self.render_to_response(self.get_context_data(form=form))


class ZaloReconnectView(ConsoleView):
    """For an OA whose grant was lost (refresh refused): the same permission page, tokens stored on the channel."""

    capability = "channels.manage"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        channel = selectors.channel_get(official=request.user, uuid=self.kwargs["uuid"])
        try:
            _connection, url = channel_services.zalo_connect_start(
                actor=request.user,
                unit=channel.unit,
                app_id=str(channel.config.get("app_id", "")),
                app_secret="",
                oa_secret_key="",
                channel=channel,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("console:channel_detail", uuid=channel.uuid)
        return redirect(url)


class ZaloCallbackView(ConsoleView):
    """Step 2: Zalo sends the administrator back with ?code&oa_id&state (or ?error)."""

    capability = "channels.manage"
    nav_key = "channels"

    def get(self, request, *args, **kwargs):
        params = request.GET
        try:
            channel = channel_services.zalo_connect_finish(
                actor=request.user,
                state=params.get("state", ""),
                code="" if params.get("error") else params.get("code", ""),
                oa_id=params.get("oa_id", ""),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("console:channel_list")
        messages.success(request, _("Zalo OA %(name)s connected.") % {"name": channel.name})
        return redirect("console:channel_detail", uuid=channel.uuid)


class WebhookTestView(ConsoleView):
    capability = "channels.manage"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        channel = selectors.channel_get(official=request.user, uuid=self.kwargs["uuid"])
        try:
            result = channel_services.webhook_test(actor=request.user, channel=channel)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            if result["stored"]:
                messages.success(request, _("Test event received and its signature verified."))
            elif result["status"]:
                messages.error(request, _("The webhook URL answered %(status)s: check the OA secret key.") % result)
            else:
                messages.error(
                    request,
                    _("The webhook URL could not be reached (%(error)s): check PUBLIC_BASE_URL and the proxy.")
                    % result,
                )
        return redirect("console:channel_detail", uuid=channel.uuid)


class WebChatForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("Unit"), queryset=None)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)

    def __init__(self, *args, official, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.units_for_new_channel(official=official)


class SmsForm(WebChatForm):
    url = forms.URLField(label=gettext_lazy("Gateway URL"), max_length=300)
    api_key = forms.CharField(label=gettext_lazy("API key"), widget=forms.PasswordInput)
    sender = forms.CharField(label=gettext_lazy("Sender name (brandname)"), max_length=20, required=False)
    cost_per_message = forms.IntegerField(label=gettext_lazy("Cost per message (đồng)"), min_value=0, initial=0)
    quota_per_minute = forms.IntegerField(label=gettext_lazy("Messages per minute"), min_value=1, initial=600)


class MessengerForm(WebChatForm):
    page_id = forms.CharField(label=gettext_lazy("Page id"), max_length=30)
    page_access_token = forms.CharField(label=gettext_lazy("Page access token"), widget=forms.PasswordInput)
    app_secret = forms.CharField(label=gettext_lazy("App secret"), widget=forms.PasswordInput)
    verify_token = forms.CharField(
        label=gettext_lazy("Verify token"),
        required=False,
        widget=forms.PasswordInput,
        help_text=gettext_lazy("Any secret phrase; leave it empty and one is made for you (shown on the next page)."),
    )


class ChannelCreateView(FormMixin, ConsoleView):
    template_name = "console/channels/create.html"
    capability = "channels.manage"
    nav_key = "channels"
    kinds = {
        "webchat": (WebChatForm, "webchat_channel_create"),
        "sms": (SmsForm, "sms_channel_create"),
        "messenger": (MessengerForm, "messenger_channel_create"),
    }

    def dispatch(self, request, *args, **kwargs):
        if kwargs.get("kind") not in self.kinds:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return self.kinds[self.kwargs["kind"]][0]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "official": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["kind"] = self.kwargs["kind"]
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            create = getattr(channel_services, self.kinds[self.kwargs["kind"]][1])
            try:
                channel = create(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("%(name)s created.") % {"name": channel.name})
                return redirect("console:channel_detail", uuid=channel.uuid)
        return self.render_to_response(self.get_context_data(form=form))


class TemplatesForm(forms.Form):
    dossier_template_id = forms.CharField(label=gettext_lazy("Dossier notices"), max_length=40, required=False)
    petition_template_id = forms.CharField(label=gettext_lazy("Petition answers"), max_length=40, required=False)
    inbox_template_id = forms.CharField(label=gettext_lazy("Officials' replies"), max_length=40, required=False)
    otp_template_id = forms.CharField(label=gettext_lazy("One-time codes"), max_length=40, required=False)


class ChannelTemplatesView(ConsoleView):
    capability = "channels.manage"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        channel = selectors.channel_get(official=request.user, uuid=self.kwargs["uuid"])
        form = TemplatesForm(request.POST)
        if form.is_valid():
            try:
                channel_services.channel_set_phone_templates(
                    actor=request.user, channel=channel, templates=form.cleaned_data
                )
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Templates saved."))
        return redirect("console:channel_detail", uuid=channel.uuid)
