"""Writes to the province's working-day calendar (ketnoi.core.models.CalendarDay); reads are in ketnoi.core.workdays.

These services sit in orgs, not core, because only system administrators may change the calendar and scoping
lives here. Seeding inserts what the `holidays` package and the official notices below know, and never
overwrites a row that already exists: an administrator's correction always wins.
"""

import datetime as dt
import re

import holidays

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.core.actor import as_actor
from ketnoi.core.audit import audit_record, snapshot
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.core.models import CalendarDay, CalendarDayKind
from ketnoi.core.workdays import invalidate_calendar_cache_on_commit

from .models import AdministrativeUnit
from .scoping import scope_of

FIELDS = ("date", "kind", "name", "source_document")
PACKAGE_SOURCE = f"python-holidays {holidays.__version__} (Bộ luật Lao động 2019, Điều 112)"
_SUBSTITUTE = re.compile(r"thay cho ngày (\d{2}/\d{2}/\d{4})")

# Official notices the package does not carry (or carries without the source). Applied by seed_calendar_year before
# the package rows, so these names and sources win for new rows. See shared reference vn-one-stop-rules.md §4.1.
TET_2026 = "Tết Nguyên đán Bính Ngọ: cán bộ, công chức nghỉ 16/02-20/02/2026 (Bộ luật Lao động 2019 Điều 112)"
OFFICIAL_DAYS: dict[int, list[tuple[dt.date, str, str, str]]] = {
    2026: [
        *[(dt.date(2026, 2, d), CalendarDayKind.PUBLIC_HOLIDAY, "Tết Nguyên đán", TET_2026) for d in range(16, 21)],
        (
            dt.date(2026, 11, 24),
            CalendarDayKind.PUBLIC_HOLIDAY,
            "Ngày Văn hóa Việt Nam",
            "Nghị quyết 28/2026/QH16 (hiệu lực 01/7/2026)",
        ),
        (
            dt.date(2026, 8, 31),
            CalendarDayKind.DAY_OFF,
            "Nghỉ Quốc khánh (hoán đổi với thứ Bảy 22/8/2026)",
            "Lịch nghỉ lễ Quốc khánh 2/9/2026 của cán bộ, công chức (theo python-holidays)",
        ),
        (
            dt.date(2026, 8, 22),
            CalendarDayKind.WORKING_DAY,
            "Làm bù cho ngày nghỉ 31/8/2026",
            "Lịch nghỉ lễ Quốc khánh 2/9/2026 của cán bộ, công chức (theo python-holidays)",
        ),
    ],
}


def _require_system_admin(actor) -> None:
    if actor is not None and not scope_of(actor).is_system_admin:
        raise NotPermitted(_("Only system administrators manage the working-day calendar."))


def _province_path() -> str:
    root = AdministrativeUnit.objects.filter(parent=None, valid_to__isnull=True).order_by("path").first()
    return root.path if root else "/"


def package_days(year: int) -> list[tuple[dt.date, str, str, str]]:
    """(date, kind, name, source) for every exception the `holidays` package knows in `year`."""
    calendar = holidays.Vietnam(years=year, language="vi")
    days = []
    for day, name in sorted(calendar.items()):
        kind = CalendarDayKind.DAY_OFF if _SUBSTITUTE.search(name) else CalendarDayKind.PUBLIC_HOLIDAY
        days.append((day, kind, name, PACKAGE_SOURCE))
    for day in sorted(calendar.weekend_workdays):
        if day.year == year:
            days.append((day, CalendarDayKind.WORKING_DAY, "Ngày làm việc bù", PACKAGE_SOURCE))
    return days


@transaction.atomic
def seed_calendar_year(*, year: int, actor=None) -> list[CalendarDay]:
    """Insert the year's holidays, official days off and swapped working days not already present. Idempotent."""
    _require_system_admin(actor)
    if not 1990 <= year <= 2100:
        raise ApplicationError(_("Choose a year between 1990 and 2100."), code="invalid_year")
    existing = set(CalendarDay.objects.filter(date__year=year).values_list("date", flat=True))
    created = []
    for day, kind, name, source in [*OFFICIAL_DAYS.get(year, []), *package_days(year)]:
        if day in existing:
            continue
        existing.add(day)
        created.append(CalendarDay(date=day, kind=kind, name=name[:200], source_document=source[:300]))
    CalendarDay.objects.bulk_create(created)
    if created:
        target = CalendarDay.objects.get(date=created[0].date)
        audit_record(
            actor=actor,
            action="calendar.seed",
            target=target,
            unit_path=_province_path(),
            after={"year": year, "dates": [d.date.isoformat() for d in created]},
        )
        invalidate_calendar_cache_on_commit()
    return created


@transaction.atomic
def calendar_day_set(*, actor, date: dt.date, kind: str, name: str, source_document: str = "") -> CalendarDay:
    """Create or replace the entry for one date; an administrator's row overrides a seeded one.

    A working_day row on a weekday is allowed: it cancels a holiday that seeding would otherwise add back.
    """
    _require_system_admin(actor)
    if kind not in CalendarDayKind.values:
        raise ApplicationError(f"Unknown kind {kind!r}.", code="invalid_kind")
    name = name.strip()
    if not name:
        raise ApplicationError(_("Give the day a name."), code="name_required")
    row = CalendarDay.objects.select_for_update().filter(date=date).first()
    before = snapshot(row, FIELDS) if row else None
    if row is None:
        row = CalendarDay(date=date)
    row.kind, row.name, row.source_document = kind, name[:200], source_document.strip()[:300]
    row.created_by = as_actor(actor).user
    row.save()
    audit_record(
        actor=actor,
        action="calendar.update" if before else "calendar.create",
        target=row,
        unit_path=_province_path(),
        before=before,
        after=snapshot(row, FIELDS),
    )
    invalidate_calendar_cache_on_commit()
    return row


@transaction.atomic
def calendar_day_remove(*, actor, date: dt.date) -> None:
    """Delete the entry for one date: the day goes back to the plain Monday-Friday rule."""
    _require_system_admin(actor)
    row = CalendarDay.objects.select_for_update().filter(date=date).first()
    if row is None:
        raise ApplicationError(_("There is no calendar entry for this date."), code="not_found")
    audit_record(
        actor=actor, action="calendar.delete", target=row, unit_path=_province_path(), before=snapshot(row, FIELDS)
    )
    row.delete()
    invalidate_calendar_cache_on_commit()


def seed_current_years(stdout=None) -> None:
    """This year's and next year's calendar: a demo seeder and a daily scheduled job (settings.SCHEDULED_JOBS)."""
    this_year = timezone.localdate().year
    for year in (this_year, this_year + 1):
        seed_calendar_year(year=year)
