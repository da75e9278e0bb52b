"""Console routes: DVCQG-compatible sync clients (traffic, errors, relay)."""

from django.urls import path

from ..views.dvcqg import clients, relay

urlpatterns: list = [
    path("dvcqg/", clients.ClientListView.as_view(), name="dvcqg_client_list"),
    path("dvcqg/clients/<uuid:uuid>/", clients.ClientDetailView.as_view(), name="dvcqg_client_detail"),
    path("dvcqg/clients/<uuid:uuid>/relay/", clients.ClientRelayView.as_view(), name="dvcqg_client_relay"),
    path("dvcqg/calls/<uuid:uuid>/", clients.RequestDetailView.as_view(), name="dvcqg_request_detail"),
    path("dvcqg/relay/", relay.RelayDeadListView.as_view(), name="dvcqg_relay_dead"),
    path("dvcqg/relay/<uuid:uuid>/retry/", relay.RelayRetryView.as_view(), name="dvcqg_relay_retry"),
]
