"""The scoping matrix: every console view and API endpoint, and what an official of commune A sees of commune B.

For each route, `make(world, unit)` puts an object (or a marker) in a unit. The test makes one in commune A and
one in commune B, then asks as an official (or API client) of commune A: A's object must be served, B's must
be a 404 (object routes) or absent (list routes). A route missing from MATRIX fails test_every_route_is_covered,
so a new view cannot ship without a scoping case. Add the case beside the view's issue.
"""

from collections.abc import Callable
from dataclasses import dataclass
from itertools import count

import pytest

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ketnoi.api.services import api_client_create
from ketnoi.core.models import AuditEntry
from ketnoi.orgs import services as orgs
from ketnoi.orgs.models import Agency, AgencyKind, Membership
from ketnoi.orgs.roles import Role

SCOPED_NAMESPACES = ("console", "api", "dvcqg")
_serial = count(1)


@dataclass(frozen=True)
class ObjectCase:
    """A route naming one object: `make` returns the URL kwargs of an object owned by `unit`."""

    make: Callable
    as_official: str = "unit_admin_a"
    method: str = "get"


@dataclass(frozen=True)
class ListCase:
    """A listing: `make` returns a string that appears in the page only if the listing includes `unit`'s object."""

    make: Callable
    as_official: str = "unit_admin_a"
    query: str = ""


@dataclass(frozen=True)
class Unscoped:
    reason: str


def _official(world, unit):
    n = next(_serial)
    user = orgs.official_create(
        actor=None,
        username=f"matrix{n}",
        full_name=f"Matrix Marker{n}",
        password="Matrix-pass-123",
        unit=unit,
        role=Role.DESK_OFFICER,
    )
    return Membership.objects.get(user=user)


def _agency(world, unit):
    n = next(_serial)
    return orgs.agency_create(actor=None, code=f"MX{n}", name=f"Matrix agency {n}", kind=AgencyKind.OTHER, unit=unit)


def _sending_service(world, unit):
    from ketnoi.notify.services import service_save

    n = next(_serial)
    return service_save(actor=None, agency=_agency(world, unit), name=f"Matrix service {n}", channels=[])


def _notify_template(world, unit):
    from ketnoi.notify.services import template_save

    service = _sending_service(world, unit)
    return template_save(actor=None, service=service, name=f"Matrix template {service.pk}", text="Xin chào ((ten))")


def _audit(world, unit):
    _official(world, unit)
    return AuditEntry.objects.filter(unit_path=unit.path, action="official.create").latest("id")


def _channel(world, unit):
    from ketnoi.channels.models import Channel

    n = next(_serial)
    return Channel.objects.create(unit=unit, type_code="webchat", name=f"Matrix channel {n}")


def _dead_message(world, unit):
    """A failed outbox message to a contact on a channel of `unit`."""
    from ketnoi.contacts.models import ChannelContact, Contact
    from ketnoi.outbox.models import OutboundMessage, Status

    n = next(_serial)
    channel = _channel(world, unit)
    contact = Contact.objects.create(name=f"Matrix person {n}")
    person = ChannelContact.objects.create(channel=channel, contact=contact, user_id=f"mx{n}")
    return OutboundMessage.objects.create(
        channel=channel,
        channel_contact=person,
        recipient_user_id=person.user_id,
        kind="text",
        payload={"kind": "text", "text": "x"},
        idempotency_key=f"matrix-{n}",
        status=Status.FAILED,
        error_message=f"Matrix failure {n}",
    )


def _procedure(world, unit):
    from ketnoi.procedures.models import Procedure

    n = next(_serial)
    agency = Agency.objects.get(code=f"UB.{unit.code}")
    return Procedure.objects.create(code=f"MX.{n}", name=f"Matrix procedure {n}", agency=agency, processing_days=3)


def _dossier(world, unit):
    from ketnoi.dossiers.services import dossier_receive

    agency = Agency.objects.get(code=f"H90.{unit.code}")
    return dossier_receive(
        actor=None, procedure=_procedure(world, unit), receiving_agency=agency, applicant_name="Matrix Applicant"
    )


def _dossier_attachment(world, unit):
    from django.core.files.base import ContentFile

    from ketnoi.dossiers.services import dossier_attach_supplement
    from tests.files import png

    dossier = _dossier(world, unit)
    attachment = dossier_attach_supplement(dossier=dossier, file=ContentFile(png(), name="anh.png"))
    return {"uuid": dossier.uuid, "attachment": attachment.uuid}


def _desk(world, unit):
    from ketnoi.orgs.models import Desk

    return Desk.objects.get(agency__code=f"H90.{unit.code}", code="Q01")


def _late_dossier_with_apology(world, unit):
    import datetime as dt

    from django.utils import timezone

    from ketnoi.dossiers.services import dossier_issue_apology, dossier_receive

    agency = Agency.objects.get(code=f"H90.{unit.code}")
    dossier = dossier_receive(
        actor=None,
        procedure=_procedure(world, unit),
        receiving_agency=agency,
        applicant_name="Matrix Applicant",
        received_at=timezone.now() - dt.timedelta(days=30),
    )
    new_date = timezone.localdate() + dt.timedelta(days=7)
    return dossier_issue_apology(actor=None, dossier=dossier, new_due_date=new_date, reason="Matrix reason")


def _notice_template(world, unit):
    from ketnoi.dossiers.services import notification_template_save

    n = next(_serial)
    notification_template_save(
        actor=None, unit=unit, kind="received", language="vi", text=f"Matrix notice {n} {{receipt_code}}"
    )
    return f"Matrix notice {n}"


def _registry_entry(world, unit):
    from ketnoi.registries.models import RegistryEntry

    n = next(_serial)
    entry = RegistryEntry.objects.create(name=f"Matrix establishment {n}", unit=unit, certificate_number=f"MX-{n}")
    return entry.name


def _handoff(world, unit):
    """A conversation handed to the officials of `unit` by a citizen on the unit's web chat."""
    from ketnoi.contacts.models import ChannelContact, Contact
    from ketnoi.inbox.services import handoff_open

    n = next(_serial)
    channel = _channel(world, unit)
    contact = Contact.objects.create(name=f"Matrix citizen {n}")
    person = ChannelContact.objects.create(
        channel=channel, contact=contact, user_id=f"mxh{n}", display_name=f"Matrix citizen {n}"
    )
    return handoff_open(channel_contact=person, reason="matrix", requested_by_citizen=True)


def _handoff_team(world, unit):
    """A conversation handed to `unit`'s team: the conversation report names the team."""
    from ketnoi.inbox.teams import team_name

    _handoff(world, unit)
    return team_name(unit)


def _canned_reply(world, unit):
    from ketnoi.inbox.services import canned_reply_save

    n = next(_serial)
    return canned_reply_save(actor=None, unit=unit, title=f"Matrix canned {n}", text=f"Matrix canned text {n}")


def _broadcast(world, unit):
    """A draft broadcast of `unit` on a channel of it (written by the province's communications editor)."""
    from ketnoi.broadcasts.services import BroadcastContent, broadcast_create

    n = next(_serial)
    content = BroadcastContent(title=f"Matrix broadcast {n}", text="x", channels=[_channel(world, unit)])
    return broadcast_create(actor=world.editor, unit=unit, content=content)


def _broadcast_template(world, unit):
    from ketnoi.broadcasts.services import template_save

    return template_save(actor=world.editor, unit=unit, name=f"Matrix template {next(_serial)}", text="x")


def _community_group(world, unit):
    from ketnoi.broadcasts.services import group_create

    return group_create(actor=world.editor, unit=unit, name=f"Matrix group {next(_serial)}")


def _community_group_with_chat(world, unit):
    """A community group with its Zalo group chat (rows as chat_group_create leaves them; no provider needed)."""
    from ketnoi.broadcasts.models import ChatGroup
    from ketnoi.channels.models import Channel

    group = _community_group(world, unit)
    n = next(_serial)
    channel = Channel.objects.create(unit=unit, type_code="zalo", name=f"Matrix OA {n}", external_id=f"mx-oa{n}")
    ChatGroup.objects.create(
        community_group=group, channel=channel, provider_group_id=f"mxg{n}", invite_link=f"https://zalo.me/g/mx{n}"
    )
    return group


def _meeting(world, unit):
    import datetime as dt

    from django.utils import timezone

    from ketnoi.broadcasts.services.meetings import meeting_schedule

    organizer = world.leader_a if unit == world.commune_a else world.admin
    return meeting_schedule(
        actor=organizer,
        unit=unit,
        title=f"Matrix meeting {next(_serial)}",
        starts_at=timezone.now() + dt.timedelta(days=1),
        place="x",
        participants=[organizer],
    )


def _internal_notice(world, unit):
    from ketnoi.broadcasts.services import official_notify

    official = world.leader_a if unit == world.commune_a else world.desk_b
    return official_notify(official=official, text="Matrix notice", key=f"matrix:{next(_serial)}")


def _dvcqg_client(world, unit):
    from ketnoi.api.dvcqg.services.accounts import dvcqg_client_create

    n = next(_serial)
    client, _key = dvcqg_client_create(
        actor=None,
        name=f"Matrix one-stop {n}",
        receiving_agency=Agency.objects.get(code=f"H90.{unit.code}"),
        username=f"matrix-motcua-{n}",
        password="Matrix-pass-123",
    )
    return client


def _dvcqg_call(world, unit):
    from ketnoi.api.dvcqg.models import DvcqgRequest

    n = next(_serial)
    return DvcqgRequest.objects.create(
        client=_dvcqg_client(world, unit),
        style="array",
        path="ThemMoi",
        body_sealed="",
        error_code="-1",
        message=f"Matrix call {n}",
    )


def _dvcqg_dead_relay(world, unit):
    from ketnoi.api.dvcqg.models import RelayItem, RelayStatus

    call = _dvcqg_call(world, unit)
    return RelayItem.objects.create(
        client=call.client,
        request=call,
        url="http://upstream.invalid/",
        body_sealed="",
        status=RelayStatus.DEAD,
        last_error=f"Matrix relay failure {call.pk}",
    )


def _petition_attachment(world, unit):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ketnoi.petitions.demo_config import seed_config
    from ketnoi.petitions.services import Attachment, Origin, Petitioner, petition_submit
    from tests.files import jpeg

    photo = SimpleUploadedFile("anh.jpg", jpeg(), content_type="image/jpeg")
    petition = petition_submit(
        category=seed_config()["thu-tuc"],
        area=unit,
        subject="Matrix photo",
        text="Matrix petition with a photo",
        petitioner=Petitioner(name="Matrix Photographer"),
        origin=Origin(attachments=[Attachment(file=photo)]),
    )
    return {"uuid": petition.uuid, "attachment": petition.attachments.get().uuid}


def _petition(world, unit, *, business=False):
    """A petition about `unit`, routed to the unit's public service centre (no routing rule for its category)."""
    from ketnoi.petitions.demo_config import seed_config
    from ketnoi.petitions.services import Petitioner, petition_submit

    n = next(_serial)
    petitioner = Petitioner(name=f"Matrix Petitioner {n}", phone="0912000999")
    if business:
        petitioner = Petitioner(
            name=f"Matrix Owner {n}", type="business", business_name=f"Matrix Business {n}", tax_code="0100109106"
        )
    category = seed_config()["thu-tuc"]
    return petition_submit(
        category=category, area=unit, subject=f"Matrix subject {n}", text="Matrix petition text", petitioner=petitioner
    )


def _petition_viewer(world, unit, username: str, role) -> None:
    """An official of `unit` with `role`, kept on the world as `username` (for the association and the editor)."""
    if hasattr(world, username):
        return
    user = orgs.official_create(
        actor=None, username=username, full_name=username, password="Matrix-pass-123", unit=unit, role=role
    )
    setattr(world, username, user)


def _tomorrow() -> str:
    import datetime as dt

    from django.utils import timezone

    return (timezone.localdate() + dt.timedelta(days=1)).isoformat()


def _business_petition(world, unit):
    _petition_viewer(world, world.commune_a, "association_a", Role.BUSINESS_ASSOCIATION)
    return _petition(world, unit, business=True).tracking_code


def _policy(world, unit):
    from ketnoi.petitions.services import policy_save

    _petition_viewer(world, world.commune_a, "editor_a", Role.COMMS_EDITOR)
    return policy_save(actor=None, unit=unit, title=f"Matrix policy {next(_serial)}", publish=True)


def _report_figures(world, unit):
    """A day of figures for a new agency of `unit` in the daily report tables; the agency's name is the marker."""
    from django.utils import timezone

    from ketnoi.reports.models import DailyUnitStat

    agency = _agency(world, unit)
    DailyUnitStat.objects.create(day=timezone.localdate(), unit=unit, unit_path=unit.path, agency=agency, received=3)
    return agency.short_name or agency.name


def _petition_category(world, unit):
    from ketnoi.petitions.services import category_save

    n = next(_serial)
    return category_save(actor=None, unit=unit, code=f"matrix-{n}", name=f"Matrix category {n}").name


MATRIX: dict[str, ObjectCase | ListCase | Unscoped] = {
    # console: sign-in and the shell
    "console:login": Unscoped("the public sign-in page"),
    "console:logout": Unscoped("ends the official's own session"),
    "console:home": ListCase(lambda w, u: _official(w, u).user.username),
    # console: organisation
    "console:unit_list": ListCase(lambda w, u: str(u.uuid)),
    "console:unit_detail": ObjectCase(lambda w, u: {"uuid": u.uuid}),
    "console:agency_list": ListCase(lambda w, u: _agency(w, u).name),
    "console:agency_detail": ObjectCase(lambda w, u: {"uuid": _agency(w, u).uuid}),
    "console:official_list": ListCase(lambda w, u: _official(w, u).user.username),
    "console:official_create": ListCase(lambda w, u: str(u.name), query=""),
    "console:membership_detail": ObjectCase(lambda w, u: {"uuid": _official(w, u).uuid}),
    "console:membership_revoke": ObjectCase(lambda w, u: {"uuid": _official(w, u).uuid}, method="post"),
    # console: setting up the organisation (issue 18)
    "console:unit_create": ListCase(lambda w, u: str(u.name)),
    "console:unit_import": Unscoped(
        "imports the province's unit list; each row is checked against the importer's scope"
    ),
    "console:unit_edit": ObjectCase(lambda w, u: {"uuid": u.uuid}),
    "console:unit_reorganize": ObjectCase(lambda w, u: {"uuid": u.children.first().uuid}),
    "console:agency_create": ListCase(lambda w, u: str(u.name)),
    "console:agency_edit": ObjectCase(lambda w, u: {"uuid": _agency(w, u).uuid}),
    "console:desk_create": ObjectCase(lambda w, u: {"uuid": _agency(w, u).uuid}),
    "console:desk_edit": ObjectCase(lambda w, u: {"uuid": _desk(w, u).uuid}),
    # console: officials' accounts (issue 18)
    "console:official_invite": ListCase(lambda w, u: str(u.name), query=""),
    "console:role_grant": ObjectCase(lambda w, u: {"uuid": _official(w, u).uuid}, method="post"),
    "console:official_act": ObjectCase(
        lambda w, u: {"uuid": _official(w, u).uuid, "action": "reactivate"}, method="post"
    ),
    "console:first_run": Unscoped("the first-run page, answering only while the installation has no administrator"),
    "console:login_verify": Unscoped("the official's own second sign-in step"),
    "console:password_forgot": Unscoped("public: mails a link to the matching official, says nothing either way"),
    "console:account_link": Unscoped("a one-time link: the token itself names the one account it opens"),
    "console:account": Unscoped("the official's own account"),
    "console:two_factor_setup": Unscoped("the official's own authenticator set-up"),
    "console:audit_list": ListCase(lambda w, u: _official(w, u).user.username),
    "console:audit_detail": ObjectCase(lambda w, u: {"pk": _audit(w, u).pk}),
    # console: channels
    "console:channel_list": ListCase(lambda w, u: _channel(w, u).name),
    "console:channel_detail": ObjectCase(lambda w, u: {"uuid": _channel(w, u).uuid}),
    "console:channel_create_zalo": ListCase(lambda w, u: str(u.name)),
    # console: connecting channels (issue 18)
    "console:channel_connect_zalo": ListCase(lambda w, u: str(u.name)),
    "console:channel_zalo_callback": Unscoped("Zalo's redirect back: the state names the administrator's own request"),
    "console:channel_create": Unscoped("web chat / SMS forms; the units offered come from units_for_new_channel"),
    "console:channel_reconnect": ObjectCase(lambda w, u: {"uuid": _channel(w, u).uuid}, method="post"),
    "console:channel_templates": ObjectCase(lambda w, u: {"uuid": _channel(w, u).uuid}, method="post"),
    "console:channel_webhook_test": ObjectCase(lambda w, u: {"uuid": _channel(w, u).uuid}, method="post"),
    # console: outbox (issue 3)
    "console:outbox_dead_letters": ListCase(lambda w, u: _dead_message(w, u).error_message),
    "console:outbox_retry": ObjectCase(lambda w, u: {"uuid": _dead_message(w, u).uuid}, method="post"),
    "console:outbox_contact_log": ObjectCase(lambda w, u: {"uuid": _dead_message(w, u).channel_contact.contact.uuid}),
    # console: working-day calendar and procedure catalog (issue 4). Province-wide configuration, no tenant data:
    # the calendar needs calendar.manage (system administrators; a commune administrator gets 403), reading the
    # catalog is open to every official, importing needs procedures.manage (tests/console/test_calendar_procedures.py).
    "console:calendar": Unscoped("the province's working-day calendar, system administrators only"),
    "console:calendar_seed": Unscoped("seeds the province's calendar, system administrators only"),
    "console:calendar_day_remove": Unscoped("edits the province's calendar, system administrators only"),
    "console:procedure_list": Unscoped("the public, province-wide procedure catalog"),
    "console:procedure_detail": Unscoped("one procedure of the public, province-wide catalog"),
    "console:procedure_import": Unscoped("imports into the province-wide catalog; rows are checked against scope"),
    # console: dossiers at the desk and in processing (issue 4)
    "console:dossier_intake": Unscoped(
        "the desk's own form: the agency and desk come from the officer's membership, checked by dossier_receive"
    ),
    "console:procedure_picker": Unscoped("type-ahead over the public, province-wide procedure catalog"),
    "console:procedure_documents": Unscoped("the document list of one public procedure"),
    "console:dossier_queue": ListCase(lambda w, u: _dossier(w, u).receipt_code, as_official="processor_a"),
    "console:dossier_detail": ObjectCase(lambda w, u: {"uuid": _dossier(w, u).uuid}, as_official="processor_a"),
    "console:dossier_receipt": ObjectCase(lambda w, u: {"uuid": _dossier(w, u).uuid}, as_official="desk_a"),
    "console:dossier_attachment": ObjectCase(_dossier_attachment, as_official="processor_a"),
    "console:dossier_apology": ObjectCase(
        lambda w, u: {"uuid": _late_dossier_with_apology(w, u).uuid}, as_official="processor_a"
    ),
    "console:dossier_act": ObjectCase(
        lambda w, u: {"uuid": _dossier(w, u).uuid, "action": "processing"}, as_official="processor_a", method="post"
    ),
    "console:desk_poster": ObjectCase(lambda w, u: {"uuid": _desk(w, u).uuid}),
    "console:template_list": ListCase(_notice_template),
    "console:template_edit": ObjectCase(lambda w, u: {"uuid": u.uuid, "kind": "received", "language": "vi"}),
    "console:template_preview": ObjectCase(lambda w, u: {"uuid": u.uuid}, method="post"),
    # console: reports (issue 9); a unit outside the official's scope is a 404 (tests/reports/test_console.py)
    "console:report_dashboard": ListCase(_report_figures),
    "console:report_export_xlsx": ObjectCase(lambda w, u: {"unit": u.uuid}),
    "console:report_export_csv": ObjectCase(lambda w, u: {"unit": u.uuid}),
    "console:report_pdf": ObjectCase(lambda w, u: {"unit": u.uuid}),
    # console: public registries (issue 9)
    "console:registry_list": ListCase(_registry_entry),
    "console:registry_import": Unscoped(
        "imports a file; each row's commune is checked against scope: "
        "tests/registries/test_import.py::test_rows_outside_the_importers_communes_are_refused"
    ),
    # console: officials' inbox (issue 6)
    "console:inbox_list": ListCase(
        lambda w, u: _handoff(w, u).channel_contact.display_name, as_official="processor_a", query="?folder=all"
    ),
    "console:inbox_detail": ObjectCase(lambda w, u: {"uuid": _handoff(w, u).uuid}, as_official="processor_a"),
    "console:inbox_act": ObjectCase(
        lambda w, u: {"uuid": _handoff(w, u).uuid, "action": "take"}, as_official="processor_a", method="post"
    ),
    "console:inbox_duty": ObjectCase(lambda w, u: {"unit_uuid": u.uuid}, as_official="processor_a", method="post"),
    "console:inbox_canned_list": ListCase(lambda w, u: _canned_reply(w, u).title, as_official="leader_a"),
    "console:inbox_canned_edit": ObjectCase(lambda w, u: {"uuid": _canned_reply(w, u).uuid}, as_official="leader_a"),
    "console:inbox_canned_delete": ObjectCase(
        lambda w, u: {"uuid": _canned_reply(w, u).uuid}, as_official="leader_a", method="post"
    ),
    "console:inbox_policy": ObjectCase(lambda w, u: {"uuid": u.uuid}, as_official="leader_a"),
    "console:inbox_report": ListCase(lambda w, u: _handoff_team(w, u), as_official="processor_a"),
    # console: broadcasts, community groups, the officials' internal channel (issue 7)
    "console:broadcast_list": ListCase(lambda w, u: _broadcast(w, u).title, as_official="leader_a"),
    "console:broadcast_new": ListCase(lambda w, u: _channel(w, u).name, as_official="leader_a"),
    "console:broadcast_preview": Unscoped(
        "htmx preview of the composer form as typed: its choices are the scoped querysets of the form "
        "(broadcast_new's case), an out-of-scope uuid is simply not a valid choice"
    ),
    "console:broadcast_detail": ObjectCase(lambda w, u: {"uuid": _broadcast(w, u).uuid}, as_official="leader_a"),
    "console:broadcast_edit": ObjectCase(lambda w, u: {"uuid": _broadcast(w, u).uuid}, as_official="leader_a"),
    "console:broadcast_act": ObjectCase(
        lambda w, u: {"uuid": _broadcast(w, u).uuid, "action": "submit"}, as_official="leader_a", method="post"
    ),
    "console:broadcast_templates": ListCase(lambda w, u: _broadcast_template(w, u).name, as_official="leader_a"),
    "console:broadcast_template_approve": ObjectCase(
        lambda w, u: {"uuid": _broadcast_template(w, u).uuid}, as_official="leader_a", method="post"
    ),
    "console:broadcast_groups": ListCase(lambda w, u: _community_group(w, u).name, as_official="leader_a"),
    "console:broadcast_group": ObjectCase(lambda w, u: {"uuid": _community_group(w, u).uuid}, as_official="leader_a"),
    "console:broadcast_group_act": ObjectCase(
        lambda w, u: {"uuid": _community_group(w, u).uuid, "action": "add-household"},
        as_official="leader_a",
        method="post",
    ),
    "console:broadcast_group_poster": ObjectCase(
        lambda w, u: {"uuid": _community_group_with_chat(w, u).uuid}, as_official="leader_a"
    ),
    "console:broadcast_group_import": Unscoped(
        "a form whose commune choices come from the official's scope; an out-of-scope commune is not a valid "
        "choice, and the service refuses it: tests/broadcasts/test_groups.py::test_an_official_manages_only_their_communes"
    ),
    "console:internal_notices": Unscoped("the acting official's own notices (filtered by user, not by unit)"),
    "console:internal_notice_read": ObjectCase(
        lambda w, u: {"uuid": _internal_notice(w, u).uuid}, as_official="leader_a", method="post"
    ),
    "console:meeting_list": ListCase(lambda w, u: _meeting(w, u).title, as_official="leader_a"),
    "console:meeting_detail": ObjectCase(lambda w, u: {"uuid": _meeting(w, u).uuid}, as_official="leader_a"),
    # console: DVCQG-compatible sync clients (issue 5)
    "console:dvcqg_client_list": ListCase(lambda w, u: _dvcqg_client(w, u).username),
    "console:dvcqg_client_detail": ObjectCase(lambda w, u: {"uuid": _dvcqg_client(w, u).uuid}),
    "console:dvcqg_client_relay": ObjectCase(lambda w, u: {"uuid": _dvcqg_client(w, u).uuid}, method="post"),
    "console:dvcqg_request_detail": ObjectCase(lambda w, u: {"uuid": _dvcqg_call(w, u).uuid}),
    "console:dvcqg_relay_dead": ListCase(lambda w, u: _dvcqg_dead_relay(w, u).last_error),
    "console:dvcqg_relay_retry": ObjectCase(lambda w, u: {"uuid": _dvcqg_dead_relay(w, u).uuid}, method="post"),
    # DVCQG-compatible endpoints (issue 5): machine callers identified by their own credentials, not officials
    "dvcqg:adapter_auth": Unscoped("exchanges a client's user name and password for a session; no tenant data"),
    "dvcqg:adapter_service": Unscoped(
        "POST with the client's session; it reads and writes only in its unit: "
        "tests/api_dvcqg/test_scoping.py::test_a_client_reaches_only_its_own_unit"
    ),
    "dvcqg:array_action": Unscoped(
        "POST with the client's URL key; it writes only in its unit: "
        "tests/api_dvcqg/test_scoping.py::test_a_client_reaches_only_its_own_unit"
    ),
    # integration API (as an API client of commune A)
    "api:api-root": Unscoped("ninja's index route, not served (docs are off)"),
    "api:openapi-json": Unscoped("the public OpenAPI document, no tenant data"),
    "api:unit_list": ListCase(lambda w, u: str(u.uuid), as_official="api_client_a"),
    "api:unit_detail": ObjectCase(lambda w, u: {"uuid": u.uuid}, as_official="api_client_a"),
    "api:procedure_list": ListCase(lambda w, u: _procedure(w, u).code, as_official="api_client_a"),
    "api:procedure_detail": ObjectCase(lambda w, u: {"code": _procedure(w, u).code}, as_official="api_client_a"),
    "api:procedure_upsert": Unscoped(
        "POST with a body; writes outside the client's unit are refused: "
        "tests/dossiers/test_api.py::test_writes_outside_the_client_unit_are_refused"
    ),
    "api:dossier_list": ListCase(lambda w, u: _dossier(w, u).receipt_code, as_official="api_client_a"),
    "api:dossier_detail": ObjectCase(lambda w, u: {"uuid": _dossier(w, u).uuid}, as_official="api_client_a"),
    "api:dossier_upsert": Unscoped(
        "POST with a body; writes outside the client's unit are refused: "
        "tests/dossiers/test_api.py::test_writes_outside_the_client_unit_are_refused"
    ),
    "api:dossier_events": Unscoped(
        "POST with a body; events on dossiers outside the client's unit answer not_found: "
        "tests/dossiers/test_api.py::test_writes_outside_the_client_unit_are_refused"
    ),
    # console and API: petitions and the business companion (issue 8)
    "console:petition_queue": ListCase(lambda w, u: _petition(w, u).tracking_code),
    "console:petition_detail": ObjectCase(lambda w, u: {"uuid": _petition(w, u).uuid}),
    "console:petition_attachment": ObjectCase(_petition_attachment),
    "console:petition_act": ObjectCase(
        lambda w, u: {"uuid": _petition(w, u).uuid, "action": "accept"}, as_official="processor_a", method="post"
    ),
    "console:petition_oversight": ListCase(_business_petition, as_official="association_a"),
    "console:business_policy_list": ListCase(lambda w, u: _policy(w, u).title, as_official="editor_a"),
    "console:business_policy_edit": ObjectCase(lambda w, u: {"uuid": _policy(w, u).uuid}, as_official="editor_a"),
    "api:petition_create": Unscoped(
        "POST with a body; areas outside the client's unit are refused: "
        "tests/petitions/test_api_open311.py::test_api_refuses_an_area_outside_the_client_unit"
    ),
    "api:petition_list_api": ListCase(lambda w, u: _petition(w, u).tracking_code, as_official="api_client_a"),
    "api:petition_detail_api": ObjectCase(lambda w, u: {"uuid": _petition(w, u).uuid}, as_official="api_client_a"),
    "api:open311_services": Unscoped("the province's petition categories (Open311 service list), no tenant data"),
    "api:open311_request_create": Unscoped(
        "POST with a body; areas outside the client's unit are refused: "
        "tests/petitions/test_api_open311.py::test_api_refuses_an_area_outside_the_client_unit"
    ),
    "api:open311_request_list": ListCase(lambda w, u: _petition(w, u).tracking_code, as_official="api_client_a"),
    "api:open311_request_detail": ObjectCase(
        lambda w, u: {"service_request_id": _petition(w, u).tracking_code}, as_official="api_client_a"
    ),
    "api:open311_service_definition": Unscoped("a petition category's Open311 attributes: public, no tenant data"),
    "console:petition_config": ListCase(_petition_category),
    # Thai Binh's daily report of businesses' petitions (issue 15)
    "console:business_digest": ListCase(  # tomorrow morning's report: it lists what came in today
        _business_petition, as_official="association_a", query=f"?day={_tomorrow()}"
    ),
    "console:business_digest_xlsx": Unscoped(
        "the same rows as the page (Digest.tables), read through the same scope: "
        "tests/reports/test_business_digest.py::test_the_digest_says_what_came_in_was_answered_and_is_overdue_by_agency"
    ),
    "console:business_digest_pdf": Unscoped(
        "the same rows as the page (Digest.tables), read through the same scope: "
        "tests/reports/test_business_digest.py::test_the_digest_says_what_came_in_was_answered_and_is_overdue_by_agency"
    ),
    # documents to process from the document-management system (issue 15)
    # a citizen's data (issue 19): province-wide by nature, for system administrators only
    "console:personal_data": Unscoped(
        "system administrators only, province-wide: tests/ops/test_citizen_data.py::test_only_system_administrators"
    ),
    "console:document_list": Unscoped("the acting official's own documents (filtered by user, not by unit)"),
    "api:documents_push": Unscoped(
        "POST with a body; assignees outside the client's unit are refused: "
        "tests/documents/test_api.py::test_assignees_outside_the_clients_unit_are_refused"
    ),
    "api:documents_list": Unscoped(
        "the documents this client sent, by its own id: "
        "tests/documents/test_api.py::test_a_client_reads_back_only_what_it_sent"
    ),
    # notifications API (issue 21): a sending service's key reads and sends only as its service
    **{
        f"api:{name}": Unscoped(
            "a sending service's key, its own notifications and templates only: "
            "tests/notify/test_api.py::test_another_services_key_sees_nothing_of_this_one"
        )
        for name in ("notification_create", "notification_batch", "notification_get", "notification_list")
    },
    "console:notify_services": ListCase(lambda w, u: _sending_service(w, u).name),
    "console:notify_service": ObjectCase(lambda w, u: {"uuid": _sending_service(w, u).uuid}),
    "console:notify_template_create": ObjectCase(lambda w, u: {"uuid": _sending_service(w, u).uuid}),
    "console:notify_template": ObjectCase(lambda w, u: {"template": _notify_template(w, u).uuid}),
    "console:notify_service_create": Unscoped(
        "the form offers only agencies, OAs and gateways in scope; "
        "notify.services.service_save checks the agency's unit"
    ),
    "console:notify_usage": Unscoped(
        "usage of the services in scope (notify.selectors.services_for): "
        "tests/notify/test_console.py::test_usage_counts_only_the_services_in_scope"
    ),
    **{
        f"console:{name}": Unscoped("POST on an object found through notify.selectors.services_for (404 outside)")
        for name in (
            "notify_key_create",
            "notify_key_revoke",
            "notify_secret_rotate",
            "notify_test_send",
            "notify_callback_retry",
        )
    },
}


def _route_names(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = (
                f"{namespace}:{entry.namespace}" if namespace and entry.namespace else (entry.namespace or namespace)
            )
            yield from _route_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name and namespace:
            yield f"{namespace}:{entry.name}"


def scoped_routes() -> set[str]:
    return {name for name in _route_names(get_resolver().url_patterns) if name.split(":")[0] in SCOPED_NAMESPACES}


def test_every_route_is_covered():
    routes = scoped_routes()
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, f"Routes without a scoping case in tests/test_scoping_matrix.py: {missing}"
    assert not stale, f"Scoping cases for routes that no longer exist: {stale}"


class Requester:
    """Makes requests as a named official of commune A (console session) or as commune A's API client."""

    def __init__(self, client, world, who):
        self.client = client
        self.headers = {}
        if who.startswith("api_client"):
            _, token = api_client_create(actor=None, name="matrix client", unit=world.commune_a)
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        else:
            client.force_login(getattr(world, who))

    def __call__(self, method, url):
        return getattr(self.client, method)(url, **self.headers)


OBJECT_ROUTES = sorted(k for k, v in MATRIX.items() if isinstance(v, ObjectCase))
LIST_ROUTES = sorted(k for k, v in MATRIX.items() if isinstance(v, ListCase))


@pytest.mark.parametrize("route", OBJECT_ROUTES)
def test_object_of_another_commune_is_not_found(route, world, client):
    case = MATRIX[route]
    own = reverse(route, kwargs=case.make(world, world.commune_a))
    other = reverse(route, kwargs=case.make(world, world.commune_b))
    request = Requester(client, world, case.as_official)
    own_response = request(case.method, own)
    assert own_response.status_code in (200, 302), (
        f"{route} does not serve commune A's own object ({own_response.status_code})"
    )
    assert request(case.method, other).status_code == 404


@pytest.mark.parametrize("route", LIST_ROUTES)
def test_listing_leaves_out_another_commune(route, world, client):
    case = MATRIX[route]
    own_marker = case.make(world, world.commune_a)
    other_marker = case.make(world, world.commune_b)
    request = Requester(client, world, case.as_official)
    response = request("get", reverse(route) + case.query)
    assert response.status_code == 200
    body = response.content.decode()
    assert own_marker in body, f"{route} does not list commune A's own object"
    assert other_marker not in body
