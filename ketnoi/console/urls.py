from django.urls import path

from .routes import broadcasts as broadcast_routes
from .routes import documents as document_routes
from .routes import dvcqg as dvcqg_routes
from .routes import inbox as inbox_routes
from .routes import notify as notify_routes
from .routes import petitions as petition_routes
from .routes import registries as registry_routes
from .routes import reports as report_routes
from .views import (
    account,
    audit,
    auth,
    calendar,
    channel_setup,
    channels,
    files,
    first_run,
    home,
    officials,
    organisation,
    orgs,
    outbox,
    personal_data,
    procedures,
)
from .views.dossiers import actions as dossier_actions
from .views.dossiers import documents as dossier_documents
from .views.dossiers import intake as dossier_intake
from .views.dossiers import queue as dossier_queue
from .views.dossiers import templates as dossier_templates

app_name = "console"

urlpatterns = [
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    # officials' accounts (issue 18): second step, authenticator set-up, own account, one-time links
    path("setup/", first_run.FirstRunView.as_view(), name="first_run"),
    path("login/verify/", account.LoginVerifyView.as_view(), name="login_verify"),
    path("login/forgot/", account.PasswordForgotView.as_view(), name="password_forgot"),
    path("welcome/<str:token>/", account.AccountLinkView.as_view(), name="account_link"),
    path("account/", account.AccountView.as_view(), name="account"),
    path("account/two-step/", account.TwoFactorSetupView.as_view(), name="two_factor_setup"),
    path("", home.HomeView.as_view(), name="home"),
    path("units/", orgs.UnitListView.as_view(), name="unit_list"),
    path("units/<uuid:uuid>/", orgs.UnitDetailView.as_view(), name="unit_detail"),
    path("agencies/", orgs.AgencyListView.as_view(), name="agency_list"),
    path("agencies/<uuid:uuid>/", orgs.AgencyDetailView.as_view(), name="agency_detail"),
    # setting up the organisation (issue 18)
    path("units/new/", organisation.UnitCreateView.as_view(), name="unit_create"),
    path("units/import/", organisation.UnitImportView.as_view(), name="unit_import"),
    path("units/<uuid:uuid>/edit/", organisation.UnitEditView.as_view(), name="unit_edit"),
    path("units/<uuid:uuid>/reorganize/", organisation.UnitReorganizeView.as_view(), name="unit_reorganize"),
    path("agencies/new/", organisation.AgencyCreateView.as_view(), name="agency_create"),
    path("agencies/<uuid:uuid>/edit/", organisation.AgencyEditView.as_view(), name="agency_edit"),
    path("agencies/<uuid:uuid>/desks/new/", organisation.DeskCreateView.as_view(), name="desk_create"),
    path("desks/<uuid:uuid>/edit/", organisation.DeskEditView.as_view(), name="desk_edit"),
    path("officials/", orgs.OfficialListView.as_view(), name="official_list"),
    path("officials/new/", orgs.OfficialCreateView.as_view(), name="official_create"),
    path("officials/invite/", officials.OfficialInviteView.as_view(), name="official_invite"),
    path("officials/<uuid:uuid>/", orgs.MembershipDetailView.as_view(), name="membership_detail"),
    path("officials/<uuid:uuid>/roles/", officials.RoleGrantView.as_view(), name="role_grant"),
    path("officials/<uuid:uuid>/account/<slug:action>/", officials.OfficialActView.as_view(), name="official_act"),
    path("officials/<uuid:uuid>/revoke/", orgs.MembershipRevokeView.as_view(), name="membership_revoke"),
    path("audit/", audit.AuditListView.as_view(), name="audit_list"),
    path("audit/<int:pk>/", audit.AuditDetailView.as_view(), name="audit_detail"),
    path("personal-data/", personal_data.PersonalDataView.as_view(), name="personal_data"),
    path("channels/", channels.ChannelListView.as_view(), name="channel_list"),
    path("channels/new/zalo/", channels.ZaloChannelCreateView.as_view(), name="channel_create_zalo"),
    path("channels/<uuid:uuid>/", channels.ChannelDetailView.as_view(), name="channel_detail"),
    # connecting channels (issue 18): Zalo's permission page, the webhook check, web chat and SMS
    path("channels/connect/zalo/", channel_setup.ZaloConnectView.as_view(), name="channel_connect_zalo"),
    path("channels/connect/zalo/callback/", channel_setup.ZaloCallbackView.as_view(), name="channel_zalo_callback"),
    path("channels/new/<slug:kind>/", channel_setup.ChannelCreateView.as_view(), name="channel_create"),
    path("channels/<uuid:uuid>/reconnect/", channel_setup.ZaloReconnectView.as_view(), name="channel_reconnect"),
    path("channels/<uuid:uuid>/templates/", channel_setup.ChannelTemplatesView.as_view(), name="channel_templates"),
    path("channels/<uuid:uuid>/test-event/", channel_setup.WebhookTestView.as_view(), name="channel_webhook_test"),
    # outbox (issue 3): undelivered messages and the message log of one person
    path("outbox/undelivered/", outbox.DeadLetterListView.as_view(), name="outbox_dead_letters"),
    path("outbox/messages/<uuid:uuid>/retry/", outbox.MessageRetryView.as_view(), name="outbox_retry"),
    path("outbox/contacts/<uuid:uuid>/", outbox.ContactMessageLogView.as_view(), name="outbox_contact_log"),
    # dossiers (issue 4): desk intake, receipt and poster, queue, actions, notice templates
    path("dossiers/new/", dossier_intake.DossierIntakeView.as_view(), name="dossier_intake"),
    path("dossiers/new/procedures/", dossier_intake.ProcedurePickerView.as_view(), name="procedure_picker"),
    path(
        "dossiers/new/procedures/<uuid:uuid>/documents/",
        dossier_intake.ProcedureDocumentsView.as_view(),
        name="procedure_documents",
    ),
    path("dossiers/", dossier_queue.DossierQueueView.as_view(), name="dossier_queue"),
    path("dossiers/<uuid:uuid>/", dossier_queue.DossierDetailView.as_view(), name="dossier_detail"),
    path(
        "dossiers/<uuid:uuid>/documents/<uuid:attachment>/",
        files.DossierAttachmentView.as_view(),
        name="dossier_attachment",
    ),
    path("dossiers/<uuid:uuid>/receipt.pdf", dossier_documents.DossierReceiptView.as_view(), name="dossier_receipt"),
    path("dossiers/<uuid:uuid>/apology.pdf", dossier_documents.DossierApologyView.as_view(), name="dossier_apology"),
    path("dossiers/<uuid:uuid>/act/<slug:action>/", dossier_actions.DossierActionView.as_view(), name="dossier_act"),
    path("desks/<uuid:uuid>/poster.pdf", dossier_documents.DeskPosterView.as_view(), name="desk_poster"),
    path("notice-templates/", dossier_templates.TemplateListView.as_view(), name="template_list"),
    path(
        "notice-templates/<uuid:uuid>/<slug:kind>/<slug:language>/",
        dossier_templates.TemplateEditView.as_view(),
        name="template_edit",
    ),
    path(
        "notice-templates/<uuid:uuid>/preview/",
        dossier_templates.TemplatePreviewView.as_view(),
        name="template_preview",
    ),
    # working-day calendar and procedure catalog (issue 4)
    path("calendar/", calendar.CalendarView.as_view(), name="calendar"),
    path("calendar/seed/", calendar.CalendarSeedView.as_view(), name="calendar_seed"),
    path("calendar/<str:date>/remove/", calendar.CalendarDayRemoveView.as_view(), name="calendar_day_remove"),
    path("procedures/", procedures.ProcedureListView.as_view(), name="procedure_list"),
    path("procedures/import/", procedures.ProcedureImportView.as_view(), name="procedure_import"),
    path("procedures/<uuid:uuid>/", procedures.ProcedureDetailView.as_view(), name="procedure_detail"),
]

# Later domains keep their console routes in routes/<domain>.py.
for _routes in (
    inbox_routes,
    petition_routes,
    broadcast_routes,
    report_routes,
    registry_routes,
    dvcqg_routes,
    document_routes,
    notify_routes,
):
    urlpatterns += _routes.urlpatterns
