"""What the province's working-day calendar (ketnoi.core.models.CalendarDay) is seeded with: the `holidays`
package's days and the official notices below. The writes are orgs services (seed_calendar_year, calendar_day_set,
calendar_day_remove in ketnoi/orgs/services.py); reads are in ketnoi.core.workdays.

They sit in orgs, not core, because only system administrators may change the calendar and scoping lives here.
Seeding inserts what the package and the notices know, and never overwrites a row that already exists: an
administrator's correction always wins.
"""

import datetime as dt
import re

import holidays

from django.utils import timezone

from ketnoi.core.models import CalendarDayKind

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


def seed_current_years(stdout=None) -> None:
    """This year's and next year's calendar: a demo seeder and a daily scheduled job (settings.SCHEDULED_JOBS)."""
    from .services import seed_calendar_year  # the services read this module's days

    this_year = timezone.localdate().year
    for year in (this_year, this_year + 1):
        seed_calendar_year(year=year)
