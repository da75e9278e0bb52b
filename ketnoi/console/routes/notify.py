"""Console routes: the notifications API's sending services, keys, templates, callbacks and usage (issue 21)."""

from django.urls import path

from ..views import notify

urlpatterns: list = [
    path("notify/", notify.ServiceListView.as_view(), name="notify_services"),
    path("notify/new/", notify.ServiceCreateView.as_view(), name="notify_service_create"),
    path("notify/usage/", notify.UsageView.as_view(), name="notify_usage"),
    path("notify/<uuid:uuid>/", notify.ServiceDetailView.as_view(), name="notify_service"),
    path("notify/<uuid:uuid>/keys/", notify.KeyCreateView.as_view(), name="notify_key_create"),
    path("notify/<uuid:uuid>/secret/", notify.SecretRotateView.as_view(), name="notify_secret_rotate"),
    path("notify/<uuid:uuid>/templates/new/", notify.TemplateEditView.as_view(), name="notify_template_create"),
    path("notify/keys/<uuid:uuid>/revoke/", notify.KeyRevokeView.as_view(), name="notify_key_revoke"),
    path("notify/templates/<uuid:template>/", notify.TemplateEditView.as_view(), name="notify_template"),
    path("notify/templates/<uuid:template>/test/", notify.TestSendView.as_view(), name="notify_test_send"),
    path("notify/callbacks/<uuid:uuid>/retry/", notify.CallbackRetryView.as_view(), name="notify_callback_retry"),
]
