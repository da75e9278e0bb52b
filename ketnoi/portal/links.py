"""The portal's front-page sections. An entry shows once its page exists (its URL name resolves)."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class PortalLink:
    title: str
    blurb: str
    url_name: str


PORTAL_LINKS = [
    PortalLink(_("Look up a dossier"), _("By receipt code or the QR on your receipt."), "portal:lookup"),
    PortalLink(_("Administrative procedures"), _("Documents, fees and processing times."), "portal:procedure_list"),
    PortalLink(_("Petitions and feedback"), _("Send a petition and read published answers."), "portal:petitions"),
    PortalLink(_("News and policies"), _("Announcements, new policies and alerts for your area."), "portal:news_list"),
    PortalLink(_("Businesses"), _("Policies, questions and feedback for businesses."), "portal:business"),
    PortalLink(
        _("Food-safety certified establishments"),
        _("Check an establishment's certificate and its validity."),
        "portal:registry_food_safety",
    ),
    PortalLink(_("Chat with us"), _("Ask a question without Zalo."), "portal:webchat"),
]


def available_links() -> list[tuple[PortalLink, str]]:
    links = []
    for link in PORTAL_LINKS:
        try:
            links.append((link, reverse(link.url_name)))
        except NoReverseMatch:
            continue
    return links
