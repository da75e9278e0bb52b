"""Reading the indicators for the console: always from the daily tables, never from the raw ones, and always
through the acting official's scope (a commune leader sees their commune only).

A report is a period and a slice of the drill-down (province → unit → agency → desk → official); it holds the
totals, one row per member of the next level down, a trend, the unit ranking and messages by kind. The screen,
the XLSX/CSV exports and the PDF all render the same `tables()`, so they show the same numbers.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.orgs.models import COMMUNE_KINDS, AdministrativeUnit, Agency, Desk
from ketnoi.orgs.scoping import OfficialScope, scope_of

from .indicators import BY_KEY, INDICATORS, RANKING_KEY, TABLE_KEYS, percentile, values
from .models import CHANNEL_METRICS, METRICS, DailyChannelStat, DailyDuration, DailyUnitStat, DurationSubject

CAPABILITY = "reports.view"
LEVELS = ("unit", "agency", "desk", "official")


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _quarter(year: int, quarter: int) -> Period:
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - dt.timedelta(days=1)
    return Period(start, end, f"Q{quarter}/{year}")


def parse_period(params, today: dt.date | None = None) -> Period:
    """From ?year=2026&quarter=3, ?year=2026&month=7, ?year=2026, or ?start=…&end=… (ISO dates).
    Without any: the current quarter. Anything unreadable falls back to that too."""
    today = today or timezone.localdate()
    try:
        if params.get("start") and params.get("end"):
            start, end = dt.date.fromisoformat(params["start"]), dt.date.fromisoformat(params["end"])
            if start <= end and (end - start).days <= 3 * 366:
                return Period(start, end, f"{start:%d/%m/%Y} - {end:%d/%m/%Y}")
        year = int(params.get("year") or today.year)
        if not 2000 <= year <= 2100:
            raise ValueError
        if params.get("quarter"):
            quarter = int(params["quarter"])
            if 1 <= quarter <= 4:
                return _quarter(year, quarter)
        if params.get("month"):
            month = int(params["month"])
            if 1 <= month <= 12:
                end = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
                return Period(dt.date(year, month, 1), end, f"{month:02d}/{year}")
        if params.get("year"):
            return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), str(year))
    except ValueError:
        pass
    return _quarter(today.year, (today.month - 1) // 3 + 1)


@dataclass(frozen=True)
class Slice:
    """Where in the drill-down: the innermost chosen member decides the level of the rows below it."""

    unit: AdministrativeUnit
    agency: Agency | None = None
    desk: Desk | None = None
    official: object | None = None

    @property
    def level(self) -> str:
        """What the rows are: sub-units of a province, agencies of a commune, desks, officials."""
        if self.official is not None or self.desk is not None:
            return "official"
        if self.agency is not None:
            return "desk"
        return "agency" if self.unit.kind in COMMUNE_KINDS or self.unit.parent_id else "unit"

    def params(self) -> dict[str, str]:
        out = {"unit": str(self.unit.uuid)}
        for name in ("agency", "desk"):
            member = getattr(self, name)
            if member is not None:
                out[name] = str(member.uuid)
        if self.official is not None:
            out["official"] = str(self.official.pk)
        return out


def report_scope(official) -> OfficialScope:
    scope = scope_of(official)
    if not scope.can(CAPABILITY):
        raise Http404
    return scope.narrowed(CAPABILITY)


def home_unit(scope: OfficialScope) -> AdministrativeUnit:
    """The widest unit the official may report on: the province for the province, their commune for a commune."""
    if scope.everything or not scope.grants:
        unit = AdministrativeUnit.objects.filter(parent=None, valid_to__isnull=True).order_by("path").first()
    else:
        path = min((g.unit_path for g in scope.grants), key=len)
        unit = AdministrativeUnit.objects.filter(path=path).first()
    if unit is None:
        raise Http404
    return unit


def _uuid(value: str | None) -> UUID | None:
    try:
        return UUID(value) if value else None
    except ValueError:
        raise Http404 from None


def report_slice(*, official, params) -> Slice:
    """The slice asked for, each member checked against the official's scope (outside: 404)."""
    scope = report_scope(official)
    unit_uuid = _uuid(params.get("unit"))
    unit = home_unit(scope) if unit_uuid is None else AdministrativeUnit.objects.filter(uuid=unit_uuid).first()
    if unit is None or not scope.covers_path(unit.path):
        raise Http404
    agency = desk = person = None
    if agency_uuid := _uuid(params.get("agency")):
        agency = (
            Agency.objects.select_related("unit").filter(uuid=agency_uuid, unit__path__startswith=unit.path).first()
        )
        if agency is None:
            raise Http404
    if desk_uuid := _uuid(params.get("desk")):
        desk = Desk.objects.filter(uuid=desk_uuid, agency=agency).first() if agency else None
        if desk is None:
            raise Http404
    if params.get("official"):
        if not str(params["official"]).isdigit():
            raise Http404
        person = (
            get_user_model()
            .objects.filter(pk=int(params["official"]), memberships__unit__path__startswith=unit.path)
            .distinct()
            .first()
        )
        if person is None:  # an official of another unit is not named here
            raise Http404
    return Slice(unit, agency, desk, person)


def _scoped(model, scope: OfficialScope, period: Period, where: Slice, *, channel: bool = False):
    rows = model.objects.filter(day__gte=period.start, day__lte=period.end, unit_path__startswith=where.unit.path)
    if channel:
        # Channel figures belong to units: an official limited to one agency does not see them.
        grants = tuple(g for g in scope.grants if g.agency_ids is None)
        return rows.filter(OfficialScope(scope.user_id, scope.everything, grants).q("unit_path"))
    rows = rows.filter(scope.q("unit_path", "agency_id"))
    for name in ("agency", "desk", "official"):
        member = getattr(where, name)
        if member is not None:
            rows = rows.filter(**{f"{name}_id": member.pk})
    return rows


GROUP_FIELD = {"unit": "unit_id", "agency": "agency_id", "desk": "desk_id", "official": "official_id"}


@dataclass
class Row:
    key: object
    label: str
    figures: dict
    values: dict
    drill: dict[str, str] = field(default_factory=dict)


@dataclass
class Report:
    period: Period
    where: Slice
    totals: dict
    rows: list[Row]
    trend: list[tuple[str, dict]]
    ranking: list[Row]
    messages_by_kind: list[tuple[str, dict]]
    channels_shown: bool

    def tables(self) -> list["Table"]:
        return build_tables(self)


def _sum_rows(queryset, group: str | None, metrics: list[str]) -> dict:
    aggregates = {m: Sum(m) for m in metrics}
    if group is None:
        return {None: {k: v or 0 for k, v in queryset.aggregate(**aggregates).items()}}
    rows = queryset.values(group).annotate(**aggregates).order_by()
    return {row[group]: {m: row[m] or 0 for m in metrics} for row in rows}


def _histograms(queryset, group: str) -> dict:
    """{group member: {subject: {working days: count}}} of the processing-time histogram."""
    histograms: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for row in queryset.values(group, "subject", "working_days").annotate(n=Sum("count")).order_by():
        histograms[row[group]][row["subject"]][row["working_days"]] += row["n"]
    return histograms


def _p90s(by_subject: dict) -> dict:
    return {
        "dossier_p90": percentile(by_subject.get(DurationSubject.DOSSIER, {})),
        "petition_p90": percentile(by_subject.get(DurationSubject.PETITION, {})),
    }


def _followers_total(scope: OfficialScope, period: Period, where: Slice, group: str | None) -> dict:
    since_ever = Period(dt.date(2000, 1, 1), period.end, "")
    rows = _scoped(DailyChannelStat, scope, since_ever, where, channel=True).filter(kind="")
    return {k: v["followers_gained"] for k, v in _sum_rows(rows, group, ["followers_gained"]).items()}


def _labels(level: str, keys) -> dict:
    keys = [k for k in keys if k is not None]
    if level == "unit":
        return {u.pk: u for u in AdministrativeUnit.objects.filter(pk__in=keys)}
    if level == "agency":
        return {a.pk: a for a in Agency.objects.filter(pk__in=keys)}
    if level == "desk":
        return {d.pk: d for d in Desk.objects.filter(pk__in=keys).select_related("agency")}
    return {u.pk: u for u in get_user_model().objects.filter(pk__in=keys)}


def _label(level: str, member) -> str:
    if member is None:
        return {"agency": _("No agency"), "desk": _("No desk"), "official": _("No official")}.get(level, "-")
    if level == "official":
        return member.get_full_name() or member.get_username()
    if level == "agency":
        return member.short_name or member.name
    return member.name


def _drill(where: Slice, level: str, member) -> dict[str, str]:
    if member is None:
        return {}
    params = where.params()
    if level == "unit":
        return {"unit": str(member.uuid)}
    if level in ("agency", "desk"):
        params[level] = str(member.uuid)
        return params
    return {}


def _bucket(day: dt.date, period: Period) -> str:
    if period.days <= 31:
        return day.isoformat()
    if period.days <= 120:
        monday = day - dt.timedelta(days=day.weekday())
        return monday.isoformat()
    return f"{day:%Y-%m}"


def report_build(*, official, period: Period, where: Slice) -> Report:
    scope = report_scope(official)
    level = where.level
    group = GROUP_FIELD[level]
    unit_rows = _scoped(DailyUnitStat, scope, period, where)
    durations = _scoped(DailyDuration, scope, period, where).filter(fine=level in ("desk", "official"))
    channels_shown = where.agency is None and where.desk is None and where.official is None
    channel_rows = _scoped(DailyChannelStat, scope, period, where, channel=True)

    # One pass per table at the level asked for; the totals are the sum of the rows (every daily row has a value,
    # possibly empty, for the grouping column), so nothing is scanned twice.
    grouped = _sum_rows(unit_rows, group, METRICS)
    totals = {m: sum(g.get(m, 0) for g in grouped.values()) for m in METRICS}
    histograms = _histograms(durations, group)
    merged: dict = defaultdict(lambda: defaultdict(int))
    for key, by_subject in histograms.items():
        grouped.setdefault(key, dict.fromkeys(METRICS, 0)).update(_p90s(by_subject))
        for subject, histogram in by_subject.items():
            for days, n in histogram.items():
                merged[subject][days] += n
    totals.update(_p90s(merged))
    if channels_shown:
        by_unit = group == "unit_id"
        channel_sums = _sum_rows(channel_rows, group if by_unit else None, CHANNEL_METRICS)
        followers = _followers_total(scope, period, where, group if by_unit else None)
        totals.update({m: sum(c.get(m, 0) for c in channel_sums.values()) for m in CHANNEL_METRICS})
        totals["followers_total"] = sum(followers.values())
        if by_unit:
            for key, sums in channel_sums.items():
                grouped.setdefault(key, dict.fromkeys(METRICS, 0)).update(sums)
            for key, total in followers.items():
                grouped.setdefault(key, dict.fromkeys(METRICS, 0))["followers_total"] = total
    members = _labels(level, grouped)
    rows = [
        Row(key, _label(level, members.get(key)), figures, values(figures), _drill(where, level, members.get(key)))
        for key, figures in grouped.items()
    ]
    rows.sort(key=lambda r: r.label)
    ranking = sorted(
        (r for r in rows if r.values[RANKING_KEY] is not None),
        key=lambda r: (-r.values[RANKING_KEY], -r.values["resolved"], r.label),
    )
    trend_sums: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    metrics = ["received", "resolved", "resolved_on_time"]
    for row in unit_rows.values("day").annotate(**{m: Sum(m) for m in metrics}).order_by():
        bucket = trend_sums[_bucket(row["day"], period)]
        for m in metrics:
            bucket[m] += row[m] or 0
    trend = [(bucket, values(dict(sums))) for bucket, sums in sorted(trend_sums.items())]
    by_kind = []
    if channels_shown:
        kinds = channel_rows.exclude(kind="").values("kind").annotate(**{m: Sum(m) for m in CHANNEL_METRICS})
        by_kind = [(row["kind"], values({m: row[m] or 0 for m in CHANNEL_METRICS})) for row in kinds.order_by("kind")]
    return Report(period, where, {**totals, "values": values(totals)}, rows, trend, ranking, by_kind, channels_shown)


# --- tables: what the screen shows and the exports write ------------------------------------------------------


@dataclass
class Table:
    slug: str
    title: str
    headers: list[str]
    rows: list[list]  # raw values: numbers stay numbers in the XLSX
    units: list[str]  # per column: text, count, percent, days, money


def build_tables(report: Report) -> list[Table]:
    values_ = report.totals["values"]
    shown = [i for i in INDICATORS if report.channels_shown or i.group != "channels"]
    indicator_table = Table(
        "indicators",
        _("Indicators"),
        [_("Indicator"), _("Value"), _("Definition"), _("How it is computed")],
        [[str(i.label), values_[i.key], str(i.definition), str(i.computed)] for i in shown],
        ["text", "mixed", "text", "text"],
    )
    level_title = {"unit": _("Unit"), "agency": _("Agency"), "desk": _("Desk"), "official": _("Official")}
    keys = list(TABLE_KEYS)
    group_table = Table(
        "breakdown",
        _("By %(level)s") % {"level": level_title[report.where.level].lower()},
        [level_title[report.where.level]] + [str(BY_KEY[k].label) for k in keys],
        [[r.label] + [r.values[k] for k in keys] for r in report.rows],
        ["text"] + [BY_KEY[k].unit for k in keys],
    )
    ranking_table = Table(
        "ranking",
        _("Ranking by on-time rate"),
        [_("Rank"), level_title[report.where.level], str(BY_KEY["on_time_rate"].label), str(BY_KEY["resolved"].label)],
        [[n, r.label, r.values["on_time_rate"], r.values["resolved"]] for n, r in enumerate(report.ranking, 1)],
        ["count", "text", "percent", "count"],
    )
    trend_keys = ["received", "resolved", "on_time_rate"]
    trend_table = Table(
        "trend",
        _("Trend"),
        [_("From")] + [str(BY_KEY[k].label) for k in trend_keys],
        [[bucket] + [v[k] for k in trend_keys] for bucket, v in report.trend],
        ["text"] + [BY_KEY[k].unit for k in trend_keys],
    )
    tables = [indicator_table, group_table, ranking_table, trend_table]
    if report.channels_shown:
        kind_keys = ["messages", "delivery_rate", "seen_rate", "cost"]
        tables.append(
            Table(
                "messages",
                _("Messages by kind"),
                [_("Kind")] + [str(BY_KEY[k].label) for k in kind_keys],
                [[kind] + [v[k] for k in kind_keys] for kind, v in report.messages_by_kind],
                ["text"] + [BY_KEY[k].unit for k in kind_keys],
            )
        )
        notify = notify_table(report)
        if notify.rows:  # a unit with no sending service gets no empty sheet
            tables.append(notify)
    return tables


def notify_table(report: Report) -> Table:
    """The notifications API's messages in the period, per sending service of the slice's unit (issue 21)."""
    from ketnoi.notify.selectors import usage_for_report

    rows = usage_for_report(unit_path=report.where.unit.path, start=report.period.start, end=report.period.end)
    return Table(
        "notify",
        _("Notifications API by service"),
        [_("Service"), _("Zalo consultation"), _("ZNS/ZBS"), _("SMS"), _("Not yet sent"), _("Total"), _("Cost (đồng)")],
        rows,
        ["text", "count", "count", "count", "count", "count", "money"],
    )


def units_for_filter(*, official) -> list[AdministrativeUnit]:
    """The units an official may pick in the filter: their home unit and the current units below it."""
    scope = report_scope(official)
    home = home_unit(scope)
    below = AdministrativeUnit.objects.filter(path__startswith=home.path, valid_to__isnull=True)
    below = below.filter(Q(kind__in=COMMUNE_KINDS) | Q(pk=home.pk) | Q(parent=None))
    return [u for u in below.order_by("path") if scope.covers_path(u.path)]
