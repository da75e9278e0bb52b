"""The console's navigation: each entry shows only to officials whose role carries its capability.

Later issues add their entries here, in the order officials use them.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ketnoi.orgs.scoping import OfficialScope


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    capability: str | None  # None: every official


NAV: list[NavItem] = [
    NavItem("home", _("Home"), "console:home", None),
    NavItem("dossier_intake", _("Take a dossier"), "console:dossier_intake", "dossiers.intake"),
    NavItem("dossier_queue", _("Dossiers"), "console:dossier_queue", "dossiers.view"),
    NavItem("dossier_templates", _("Notice templates"), "console:template_list", "templates.manage"),
    NavItem("units", _("Units"), "console:unit_list", "orgs.view"),
    NavItem("agencies", _("Agencies and desks"), "console:agency_list", "orgs.view"),
    NavItem("officials", _("Officials"), "console:official_list", "orgs.view"),
    NavItem("procedures", _("Procedures"), "console:procedure_list", None),
    NavItem("registries", _("Public registries"), "console:registry_list", "registries.manage"),
    NavItem("audit", _("Audit log"), "console:audit_list", "audit.view"),
    NavItem("calendar", _("Working-day calendar"), "console:calendar", "calendar.manage"),
    NavItem("channels", _("Channels"), "console:channel_list", "channels.view"),
    NavItem("outbox", _("Undelivered messages"), "console:outbox_dead_letters", "channels.view"),
]


def nav_for(scope: OfficialScope) -> list[NavItem]:
    return [item for item in NAV if item.capability is None or scope.can(item.capability)]
