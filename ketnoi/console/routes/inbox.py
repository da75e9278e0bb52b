"""Console routes: the officials' inbox (issue 6)."""

from django.urls import path

from ..views.inbox.conversation import HandoffActionView, HandoffDetailView
from ..views.inbox.listing import ConversationReportView, DutyView, InboxListView
from ..views.inbox.team import CannedReplyDeleteView, CannedReplyEditView, CannedReplyListView, PolicyView

urlpatterns: list = [
    path("inbox/", InboxListView.as_view(), name="inbox_list"),
    path("inbox/duty/<uuid:unit_uuid>/", DutyView.as_view(), name="inbox_duty"),
    path("inbox/report/", ConversationReportView.as_view(), name="inbox_report"),
    path("inbox/canned/", CannedReplyListView.as_view(), name="inbox_canned_list"),
    path("inbox/canned/<uuid:uuid>/", CannedReplyEditView.as_view(), name="inbox_canned_edit"),
    path("inbox/canned/<uuid:uuid>/delete/", CannedReplyDeleteView.as_view(), name="inbox_canned_delete"),
    path("inbox/policy/<uuid:uuid>/", PolicyView.as_view(), name="inbox_policy"),
    path("inbox/<uuid:uuid>/", HandoffDetailView.as_view(), name="inbox_detail"),
    path("inbox/<uuid:uuid>/<slug:action>/", HandoffActionView.as_view(), name="inbox_act"),
]
