"""Thai Binh's daily report: businesses' questions, feedback and proposals, gathered every working morning for the
province's business support team — what came in since the last working morning, what was answered, what is overdue
and at which agency — sent to the officials who subscribe (My notices, the internal OA with the PDF file, PDF and
XLSX in the console) and open to the business association's read-only role.

Reads petitions through the reader's scope (petitions.view, or petitions.oversee for the association), so a ward's
leader gets their ward's and the province's monitor the province's. No petitioner's name, phone or address appears:
the business's name, the subject, the category and the agency are what the team acts on.
"""

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ketnoi.broadcasts.models import InternalNotice, OfficialLink
from ketnoi.broadcasts.services import official_notify
from ketnoi.channels.types.base import Button, OutboundPayload, SendError
from ketnoi.core.errors import NotPermitted
from ketnoi.core.workdays import is_working_day
from ketnoi.orgs.scoping import scope_of
from ketnoi.outbox.models import Lane
from ketnoi.outbox.services import outbox_enqueue
from ketnoi.petitions.models import Petition
from ketnoi.petitions.selectors import overdue_q, petition_list
from ketnoi.petitions.states import OPEN_STATES, state_label

from .models import DigestSubscription
from .selectors import Table
from .xlsx import tables_xlsx

log = logging.getLogger(__name__)

KIND = "business_daily"
CAPABILITIES = ("reports.view", "petitions.oversee")


def can_read(official) -> bool:
    scope = scope_of(official)
    return any(scope.can(c) for c in CAPABILITIES)


def previous_working_day(day: dt.date) -> dt.date:
    day -= dt.timedelta(days=1)
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class Line:
    code: str
    business: str
    subject: str
    category: str
    agency: str
    received: dt.date
    answer_due: dt.date | None
    answered: dt.date | None
    status: str
    days_overdue: int = 0


@dataclass(frozen=True)
class AgencyLine:
    agency: str
    received: int
    answered: int
    open: int
    overdue: int


@dataclass
class Digest:
    day: dt.date
    since: dt.date  # the period is [since 00:00, day 00:00): everything since the last working morning
    received: list[Line] = field(default_factory=list)
    answered: list[Line] = field(default_factory=list)
    overdue: list[Line] = field(default_factory=list)
    agencies: list[AgencyLine] = field(default_factory=list)

    @property
    def period_label(self) -> str:
        last = self.day - dt.timedelta(days=1)
        if last == self.since:
            return formats.date_format(self.since, "d/m/Y")
        return f"{formats.date_format(self.since, 'd/m/Y')} - {formats.date_format(last, 'd/m/Y')}"

    def summary(self) -> str:
        """One paragraph for the notice and the OA message."""
        text = _(
            "Businesses' petitions, report of %(day)s (received %(period)s): %(received)s received, %(answered)s "
            "answered, %(overdue)s overdue."
        ) % {
            "day": formats.date_format(self.day, "d/m/Y"),
            "period": self.period_label,
            "received": len(self.received),
            "answered": len(self.answered),
            "overdue": len(self.overdue),
        }
        late = [a for a in self.agencies if a.overdue]
        if late:
            text += "\n" + _("Overdue by agency: %(list)s.") % {
                "list": "; ".join(f"{a.agency} {a.overdue}" for a in late)
            }
        return text

    def tables(self) -> list[Table]:
        """The report as tables: the screen, the XLSX and the PDF show the same rows."""
        line_headers = [
            _("Code"),
            _("Business"),
            _("Subject"),
            _("Category"),
            _("Agency"),
            pgettext("date received", "Received"),
            _("Answer due"),
        ]
        units = ["text"] * 5 + ["date", "date"]

        def rows(lines: list[Line], *extra) -> list[list]:
            return [
                [x.code, x.business, x.subject, x.category, x.agency, x.received, x.answer_due]
                + [getattr(x, name) for name in extra]
                for x in lines
            ]

        return [
            Table(
                "agencies",
                _("By agency"),
                [
                    _("Agency"),
                    pgettext("count received", "Received"),
                    pgettext("count answered", "Answered"),
                    pgettext("count open", "Open"),
                    _("Overdue"),
                ],
                [[a.agency, a.received, a.answered, a.open, a.overdue] for a in self.agencies],
                ["text", "count", "count", "count", "count"],
            ),
            Table(
                "received",
                _("New petitions"),
                [*line_headers, _("Status")],
                rows(self.received, "status"),
                [*units, "text"],
            ),
            Table(
                "answered",
                _("Answered in the period"),
                [*line_headers, _("Answered on")],
                rows(self.answered, "answered"),
                [*units, "date"],
            ),
            Table(
                "overdue",
                _("Overdue now"),
                [*line_headers, _("Days overdue")],
                rows(self.overdue, "days_overdue"),
                [*units, "count"],
            ),
        ]


def _line(petition: Petition, day: dt.date) -> Line:
    return Line(
        code=petition.tracking_code,
        business=petition.business_name,
        subject=petition.subject,
        category=petition.category.name,
        agency=petition.owner_agency.short_name or petition.owner_agency.name,
        received=timezone.localdate(petition.received_at),
        answer_due=petition.answer_due,
        answered=timezone.localdate(petition.first_answered_at) if petition.first_answered_at else None,
        status=state_label(petition.state, translation.get_language() or settings.LANGUAGE_CODE),
        days_overdue=(day - petition.answer_due).days if petition.answer_due and petition.answer_due < day else 0,
    )


def business_digest(*, official, day: dt.date | None = None) -> Digest:
    """The digest of the morning of `day` (default today), in the official's scope."""
    if not can_read(official):
        raise NotPermitted()
    day = day or timezone.localdate()
    since = previous_working_day(day)
    start, end = _midnight(since), _midnight(day)
    capability = "petitions.oversee" if scope_of(official).can("petitions.oversee") else "petitions.view"
    petitions = petition_list(official=official, business_only=True, capability=capability).select_related(
        "category", "owner_agency"
    )
    received = list(petitions.filter(received_at__gte=start, received_at__lt=end).order_by("received_at", "id"))
    answered = list(
        petitions.filter(first_answered_at__gte=start, first_answered_at__lt=end).order_by("first_answered_at", "id")
    )
    overdue = list(petitions.filter(overdue_q(day), received_at__lt=end).order_by("answer_due", "received_at", "id"))
    open_now = petitions.filter(state__in=OPEN_STATES, received_at__lt=end)
    digest = Digest(
        day=day,
        since=since,
        received=[_line(p, day) for p in received],
        answered=[_line(p, day) for p in answered],
        overdue=[_line(p, day) for p in overdue],
    )
    names: dict[int, str] = {}
    counts: dict[int, list[int]] = {}
    for group, petitions_of in enumerate((received, answered, list(open_now), overdue)):
        for petition in petitions_of:
            names[petition.owner_agency_id] = petition.owner_agency.short_name or petition.owner_agency.name
            counts.setdefault(petition.owner_agency_id, [0, 0, 0, 0])[group] += 1
    digest.agencies = sorted(
        (AgencyLine(names[pk], *c) for pk, c in counts.items()), key=lambda a: (-a.overdue, -a.open, a.agency)
    )
    return digest


def digest_xlsx(digest: Digest) -> bytes:
    title = _("Businesses' petitions · %(day)s") % {"day": formats.date_format(digest.day, "d/m/Y")}
    return tables_xlsx(digest.tables(), subtitle=title)


def digest_file_name(digest: Digest, extension: str) -> str:
    return f"bao-cao-doanh-nghiep-{digest.day:%Y-%m-%d}.{extension}"


# --- subscriptions and the morning send -----------------------------------------------------------------------------


def is_subscribed(official) -> bool:
    return DigestSubscription.objects.filter(user=official, kind=KIND).exists()


Attachment = Callable[["Digest"], tuple[str, bytes, str]]  # digest -> (file name, content, content type)


def send_business_digests(today: dt.date | None = None, *, attachment: Attachment | None = None) -> int:
    """Scheduled every working morning (ketnoi.console.jobs, which attaches the PDF): each subscriber's digest,
    once (the notice key is the day and the user). Returns how many were sent now."""
    today = today or timezone.localdate()
    if not is_working_day(today):
        return 0
    sent = 0
    for subscription in DigestSubscription.objects.filter(kind=KIND, user__is_active=True).select_related("user"):
        if send_digest(official=subscription.user, day=today, attachment=attachment):
            sent += 1
    return sent


@transaction.atomic
def send_digest(*, official, day: dt.date, attachment: Attachment | None = None) -> bool:
    """One subscriber's morning digest: in My notices and on the internal OA (the summary, with buttons for the
    report), and the attachment as a file on the internal OA once the notice is committed. False if already sent."""
    if not can_read(official):
        return False
    key = f"digest:{KIND}:{day:%Y%m%d}:{official.pk}"
    if InternalNotice.objects.filter(key=key).exists():
        return False
    with translation.override(settings.LANGUAGE_CODE):
        digest = business_digest(official=official, day=day)
        url = reverse("console:business_digest") + f"?day={day:%Y-%m-%d}"
        base = settings.PUBLIC_BASE_URL + reverse("console:business_digest")
        buttons = [
            Button(title=_("Open the report"), action="url", value=settings.PUBLIC_BASE_URL + url),
            Button(title=_("Download XLSX"), action="url", value=f"{base}export.xlsx?day={day:%Y-%m-%d}"),
            Button(title=_("Download PDF"), action="url", value=f"{base}report.pdf?day={day:%Y-%m-%d}"),
        ]
        notice = official_notify(official=official, text=digest.summary(), key=key, url=url, buttons=buttons)
    if notice.outbound_message_id and attachment is not None:
        official_id = official.pk
        transaction.on_commit(lambda: _send_file(official_id=official_id, day=day, attachment=attachment))
    return True


def _send_file(*, official_id: int, day: dt.date, attachment: Attachment) -> None:
    """After commit (it calls the provider): upload the file to the official's internal OA and queue it as a file
    message. A provider without file messages, or an upload that fails, leaves the buttons as the way to the file."""
    official = get_user_model().objects.filter(pk=official_id).first()
    link = OfficialLink.objects.select_related("channel_contact__channel").filter(user_id=official_id).first()
    if official is None or link is None:
        return
    channel = link.channel_contact.channel
    upload = getattr(channel.channel_type, "upload_file", None)
    if upload is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        name, content, content_type = attachment(business_digest(official=official, day=day))
    try:
        token = upload(channel, filename=name, content=content, content_type=content_type)
    except SendError as exc:
        log.warning("Digest file not uploaded to channel %s: %s", channel.pk, exc.message)
        return
    with transaction.atomic():
        outbox_enqueue(
            channel=channel,
            channel_contact=link.channel_contact,
            payload=OutboundPayload(kind="file", attachment_token=token, title=name),
            idempotency_key=f"internal:digest:{KIND}:{day:%Y%m%d}:{official_id}:file",
            lane=Lane.TRANSACTIONAL,
            source_type="internal_notice",
            source_id=f"digest:{day:%Y%m%d}",
        )


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
