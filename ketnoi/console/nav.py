"""The console's navigation: each entry shows only to officials whose role carries its capability.

Later issues add their entries here, in the order officials use them.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ketnoi.orgs.scoping import OfficialScope


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    capability: str | None  # None: every official
    count: Callable[[OfficialScope], int] | None = None  # a number shown beside the label when not zero


def _inbox_waiting(scope: OfficialScope) -> int:
    from ketnoi.inbox.selectors import waiting_count

    return waiting_count(scope)


def _notices_unread(scope: OfficialScope) -> int:
    from ketnoi.broadcasts.selectors import unread_notice_count

    return unread_notice_count(scope)


def _documents_open(scope: OfficialScope) -> int:
    from ketnoi.documents.selectors import open_count

    return open_count(user_id=scope.user_id)


NAV: list[NavItem] = [
    NavItem("home", _("Home"), "console:home", None),
    NavItem("dossier_intake", _("Take a dossier"), "console:dossier_intake", "dossiers.intake"),
    NavItem("dossier_queue", _("Dossiers"), "console:dossier_queue", "dossiers.view"),
    NavItem("inbox", _("Inbox"), "console:inbox_list", "inbox.answer", count=_inbox_waiting),
    NavItem("inbox_canned", _("Canned replies"), "console:inbox_canned_list", "inbox.manage"),
    NavItem("broadcasts", _("Broadcasts"), "console:broadcast_list", "broadcasts.compose"),
    NavItem("internal", _("My notices"), "console:internal_notices", None, count=_notices_unread),
    NavItem("documents", _("Documents to process"), "console:document_list", None, count=_documents_open),
    NavItem("meetings", _("Meetings"), "console:meeting_list", None),
    NavItem("dossier_templates", _("Notice templates"), "console:template_list", "templates.manage"),
    NavItem("petitions", _("Petitions"), "console:petition_queue", "petitions.view"),
    NavItem("petition_oversight", _("Business petitions"), "console:petition_oversight", "petitions.oversee"),
    NavItem("business_policies", _("Policies for businesses"), "console:business_policy_list", "petitions.policies"),
    NavItem("petition_config", _("Petition set-up"), "console:petition_config", "petitions.configure"),
    NavItem("units", _("Units"), "console:unit_list", "orgs.view"),
    NavItem("agencies", _("Agencies and desks"), "console:agency_list", "orgs.view"),
    NavItem("officials", _("Officials"), "console:official_list", "orgs.view"),
    NavItem("procedures", _("Procedures"), "console:procedure_list", None),
    NavItem("reports", _("Reports"), "console:report_dashboard", "reports.view"),
    NavItem("registries", _("Public registries"), "console:registry_list", "registries.manage"),
    NavItem("audit", _("Audit log"), "console:audit_list", "audit.view"),
    NavItem("calendar", _("Working-day calendar"), "console:calendar", "calendar.manage"),
    NavItem("channels", _("Channels"), "console:channel_list", "channels.view"),
    NavItem("outbox", _("Undelivered messages"), "console:outbox_dead_letters", "channels.view"),
    NavItem("dvcqg", _("One-stop sync (DVCQG)"), "console:dvcqg_client_list", "dvcqg.view"),
    NavItem("notify", _("Notifications API"), "console:notify_services", "notify.manage"),
]


def nav_for(scope: OfficialScope) -> list[NavItem]:
    items = []
    for item in NAV:
        if item.capability is not None and not scope.can(item.capability):
            continue
        number = item.count(scope) if item.count else 0
        items.append(replace(item, label=format_lazy("{} ({})", item.label, number)) if number else item)
    return items
