"""Roles and what each may do. One table, so a reviewer can read every permission in one screen."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    UNIT_ADMIN = "unit_admin", _("Unit administrator")
    DESK_OFFICER = "desk_officer", _("Desk officer")
    PROCESSING_OFFICER = "processing_officer", _("Processing officer")
    LEADER = "leader", _("Leader")
    COMMS_EDITOR = "comms_editor", _("Communications editor")
    BUSINESS_ASSOCIATION = "business_association", _("Business association (read-only oversight)")


R = Role
# capability -> roles that have it. Later issues add their capabilities here.
CAPABILITIES: dict[str, frozenset[str]] = {
    "orgs.view": frozenset({R.SYSTEM_ADMIN, R.UNIT_ADMIN, R.LEADER}),
    "orgs.manage_officials": frozenset({R.SYSTEM_ADMIN, R.UNIT_ADMIN}),
    "audit.view": frozenset({R.SYSTEM_ADMIN, R.UNIT_ADMIN}),
    # a citizen's data (issue 19): export or erasure by phone or ID number, across every unit
    "personal_data.manage": frozenset({R.SYSTEM_ADMIN}),
    "channels.view": frozenset({R.SYSTEM_ADMIN, R.UNIT_ADMIN, R.LEADER, R.COMMS_EDITOR}),
    "channels.manage": frozenset({R.SYSTEM_ADMIN, R.UNIT_ADMIN}),
    "dossiers.intake": frozenset({R.DESK_OFFICER}),
    "dossiers.process": frozenset({R.PROCESSING_OFFICER, R.LEADER}),
    "dossiers.view": frozenset({R.DESK_OFFICER, R.PROCESSING_OFFICER, R.LEADER, R.UNIT_ADMIN, R.SYSTEM_ADMIN}),
    "conversations.reply": frozenset({R.DESK_OFFICER, R.PROCESSING_OFFICER, R.LEADER, R.COMMS_EDITOR}),
    # officials' inbox (issue 6): the unit's desk, processors and leaders answer handed-off conversations;
    # leaders and unit administrators reassign, keep canned replies, set targets and office hours, manage duty
    "inbox.answer": frozenset({R.DESK_OFFICER, R.PROCESSING_OFFICER, R.LEADER}),
    "inbox.manage": frozenset({R.LEADER, R.UNIT_ADMIN}),
    "broadcasts.compose": frozenset({R.COMMS_EDITOR, R.LEADER}),
    "broadcasts.approve": frozenset({R.LEADER}),
    # the officials' internal channel: scheduling meetings (every official reads their own notices)
    "meetings.manage": frozenset({R.LEADER, R.UNIT_ADMIN, R.SYSTEM_ADMIN}),
    "petitions.handle": frozenset({R.PROCESSING_OFFICER, R.LEADER}),
    "answers.approve": frozenset({R.LEADER}),
    # petitions (issue 8): the provincial monitor is a leader of the province unit; the association only reads
    "petitions.view": frozenset({R.DESK_OFFICER, R.PROCESSING_OFFICER, R.LEADER, R.UNIT_ADMIN, R.SYSTEM_ADMIN}),
    "petitions.configure": frozenset({R.SYSTEM_ADMIN, R.UNIT_ADMIN}),
    "petitions.oversee": frozenset({R.BUSINESS_ASSOCIATION}),
    "petitions.policies": frozenset({R.COMMS_EDITOR}),
    "reports.view": frozenset({R.LEADER, R.UNIT_ADMIN, R.SYSTEM_ADMIN}),
    "registries.manage": frozenset({R.SYSTEM_ADMIN, R.UNIT_ADMIN}),
    "calendar.manage": frozenset({R.SYSTEM_ADMIN}),
    "procedures.manage": frozenset({R.SYSTEM_ADMIN, R.UNIT_ADMIN}),
    # wording of citizen notices per unit (same roles as the template service, dossiers/services/templates.py)
    "templates.manage": frozenset({R.SYSTEM_ADMIN, R.UNIT_ADMIN}),
    # DVCQG-compatible sync clients: their traffic, errors and relay queue; configuring them and retrying the relay
    "dvcqg.view": frozenset({R.SYSTEM_ADMIN, R.UNIT_ADMIN, R.LEADER}),
    "dvcqg.manage": frozenset({R.SYSTEM_ADMIN, R.UNIT_ADMIN}),
    # notifications API (issue 21): an agency's sending services, their keys, templates, callbacks and usage
    "notify.manage": frozenset({R.SYSTEM_ADMIN, R.UNIT_ADMIN, R.LEADER}),
}


def roles_with(capability: str) -> frozenset[str]:
    try:
        return CAPABILITIES[capability]
    except KeyError:
        raise KeyError(f"Unknown capability {capability!r}; add it to ketnoi.orgs.roles.CAPABILITIES.") from None


# What each capability lets an official do, in words, for the role picker and an official's page.
CAPABILITY_LABELS: dict[str, str] = {
    "orgs.view": _("see the units, agencies, desks and officials"),
    "orgs.manage_officials": _("set up units, agencies, desks and officials' accounts"),
    "audit.view": _("read the audit log"),
    "personal_data.manage": _("export or erase a citizen's data at their request"),
    "channels.view": _("see the channels (Zalo OAs, web chat, SMS)"),
    "channels.manage": _("connect and configure channels"),
    "dossiers.intake": _("take dossiers at the desk"),
    "dossiers.process": _("process dossiers"),
    "dossiers.view": _("see dossiers"),
    "conversations.reply": _("reply to citizens in chat"),
    "inbox.answer": _("answer conversations handed over from the chat"),
    "inbox.manage": _("manage the inbox (assignments, canned replies, office hours)"),
    "broadcasts.compose": _("write broadcasts"),
    "broadcasts.approve": _("approve broadcasts"),
    "meetings.manage": _("schedule meetings for officials"),
    "petitions.handle": _("handle petitions"),
    "answers.approve": _("approve answers to petitions"),
    "petitions.view": _("see petitions"),
    "petitions.configure": _("set up petition categories and routing"),
    "petitions.oversee": _("read businesses' petitions (oversight)"),
    "petitions.policies": _("publish policies for businesses"),
    "reports.view": _("see reports"),
    "registries.manage": _("import public registries"),
    "calendar.manage": _("edit the working-day calendar"),
    "procedures.manage": _("manage the procedure catalog"),
    "templates.manage": _("edit the wording of citizen notices"),
    "dvcqg.view": _("see the one-stop sync traffic"),
    "dvcqg.manage": _("configure the one-stop sync"),
    "notify.manage": _("run the notifications API: sending services, keys, templates"),
}


def capabilities_of(role: str) -> list[str]:
    """The capability keys a role carries, in the table's order."""
    return [capability for capability, roles in CAPABILITIES.items() if role in roles]


def capability_words(role: str) -> list[str]:
    return [str(CAPABILITY_LABELS.get(c, c)) for c in capabilities_of(role)]
