"""Console routes: broadcasts, templates, community groups, and the officials' internal channel (issue 7)."""

from django.urls import path

from ..views.broadcasts.groups import (
    GroupActionView,
    GroupDetailView,
    GroupImportView,
    GroupListView,
    GroupPosterView,
)
from ..views.broadcasts.internal import MeetingDetailView, MeetingListView, NoticeListView, NoticeReadView
from ..views.broadcasts.library import TemplateListView, TemplatePreApproveView
from ..views.broadcasts.pages import (
    BroadcastActionView,
    BroadcastComposeView,
    BroadcastDetailView,
    BroadcastListView,
    BroadcastPreviewView,
)

urlpatterns: list = [
    path("broadcasts/", BroadcastListView.as_view(), name="broadcast_list"),
    path("broadcasts/new/", BroadcastComposeView.as_view(), name="broadcast_new"),
    path("broadcasts/preview/", BroadcastPreviewView.as_view(), name="broadcast_preview"),
    path("broadcasts/templates/", TemplateListView.as_view(), name="broadcast_templates"),
    path(
        "broadcasts/templates/<uuid:uuid>/pre-approve/",
        TemplatePreApproveView.as_view(),
        name="broadcast_template_approve",
    ),
    path("broadcasts/groups/", GroupListView.as_view(), name="broadcast_groups"),
    path("broadcasts/groups/import/", GroupImportView.as_view(), name="broadcast_group_import"),
    path("broadcasts/groups/<uuid:uuid>/", GroupDetailView.as_view(), name="broadcast_group"),
    path("broadcasts/groups/<uuid:uuid>/poster/", GroupPosterView.as_view(), name="broadcast_group_poster"),
    path("broadcasts/groups/<uuid:uuid>/<slug:action>/", GroupActionView.as_view(), name="broadcast_group_act"),
    path("broadcasts/<uuid:uuid>/", BroadcastDetailView.as_view(), name="broadcast_detail"),
    path("broadcasts/<uuid:uuid>/edit/", BroadcastComposeView.as_view(), name="broadcast_edit"),
    path("broadcasts/<uuid:uuid>/<slug:action>/", BroadcastActionView.as_view(), name="broadcast_act"),
    path("internal/", NoticeListView.as_view(), name="internal_notices"),
    path("internal/<uuid:uuid>/read/", NoticeReadView.as_view(), name="internal_notice_read"),
    path("meetings/", MeetingListView.as_view(), name="meeting_list"),
    path("meetings/<uuid:uuid>/", MeetingDetailView.as_view(), name="meeting_detail"),
]
