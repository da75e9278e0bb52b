from django.urls import path

from .views import audit, auth, calendar, channels, home, orgs, procedures

app_name = "console"

urlpatterns = [
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("", home.HomeView.as_view(), name="home"),
    path("units/", orgs.UnitListView.as_view(), name="unit_list"),
    path("units/<uuid:uuid>/", orgs.UnitDetailView.as_view(), name="unit_detail"),
    path("agencies/", orgs.AgencyListView.as_view(), name="agency_list"),
    path("agencies/<uuid:uuid>/", orgs.AgencyDetailView.as_view(), name="agency_detail"),
    path("officials/", orgs.OfficialListView.as_view(), name="official_list"),
    path("officials/new/", orgs.OfficialCreateView.as_view(), name="official_create"),
    path("officials/<uuid:uuid>/", orgs.MembershipDetailView.as_view(), name="membership_detail"),
    path("officials/<uuid:uuid>/revoke/", orgs.MembershipRevokeView.as_view(), name="membership_revoke"),
    path("audit/", audit.AuditListView.as_view(), name="audit_list"),
    path("audit/<int:pk>/", audit.AuditDetailView.as_view(), name="audit_detail"),
    path("channels/", channels.ChannelListView.as_view(), name="channel_list"),
    path("channels/new/zalo/", channels.ZaloChannelCreateView.as_view(), name="channel_create_zalo"),
    path("channels/<uuid:uuid>/", channels.ChannelDetailView.as_view(), name="channel_detail"),
    # working-day calendar and procedure catalog (issue 4)
    path("calendar/", calendar.CalendarView.as_view(), name="calendar"),
    path("calendar/seed/", calendar.CalendarSeedView.as_view(), name="calendar_seed"),
    path("calendar/<str:date>/remove/", calendar.CalendarDayRemoveView.as_view(), name="calendar_day_remove"),
    path("procedures/", procedures.ProcedureListView.as_view(), name="procedure_list"),
    path("procedures/import/", procedures.ProcedureImportView.as_view(), name="procedure_import"),
    path("procedures/<uuid:uuid>/", procedures.ProcedureDetailView.as_view(), name="procedure_detail"),
]
