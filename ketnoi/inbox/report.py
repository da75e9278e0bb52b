"""The conversation report: per team (the unit whose officials answer), what was handed to it in a period and how it
answered. A conversation passed from a ward to the province's centre counts for the ward until it passes it on, then
for the centre: each team's turn ("stint") starts at the hand-over (an OPENED or TRANSFERRED entry, which records the
team and the first reply it owes) and ends at the next one; its first official reply within the turn is on time or
late. Read through the acting official's scope: only teams they answer for (or manage) are shown."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ketnoi.orgs.models import AdministrativeUnit
from ketnoi.orgs.scoping import scope_of

from .models import EntryKind, HandoffEntry
from .services.common import ANSWER, MANAGE
from .teams import team_name

HANDOVERS = (EntryKind.OPENED, EntryKind.TRANSFERRED)
CHUNK = 500


@dataclass
class TeamFigures:
    unit: AdministrativeUnit
    name: str
    handed: int = 0  # conversations handed to the team (opened there or passed to it)
    passed_in: int = 0  # of which passed from another unit
    passed_on: int = 0  # the team passed to another unit
    answered: int = 0  # turns with an official's reply
    on_time: int = 0  # first reply by the first-response target
    late: int = 0
    waiting: list = field(default_factory=list)  # still with the team, no reply yet

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.answered, 1) if self.answered else None


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    low = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    return low, dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)


def _team_of(entry: HandoffEntry) -> int:
    return int((entry.data or {}).get("unit") or entry.handoff.channel.unit_id)


def conversation_report(*, official, start: dt.date, end: dt.date) -> list[TeamFigures]:
    """Teams in the official's scope with anything handed to them (or passed on by them) between start and end."""
    scope = scope_of(official)
    if not (scope.can(ANSWER) or scope.can(MANAGE)):
        return []
    grants = scope.narrowed(ANSWER).grants + scope.narrowed(MANAGE).grants
    visible = lambda path: scope.everything or any(path.startswith(g.unit_path) for g in grants)  # noqa: E731
    low, high = _day_bounds(start, end)
    turns = list(
        HandoffEntry.objects.filter(kind__in=HANDOVERS, at__gte=low, at__lt=high)
        .select_related("handoff__channel")
        .order_by("at", "id")
    )
    handoff_ids = sorted({t.handoff_id for t in turns})
    boundaries: dict[int, list[HandoffEntry]] = defaultdict(list)
    replies: dict[int, list[HandoffEntry]] = defaultdict(list)
    for at in range(0, len(handoff_ids), CHUNK):
        ids = handoff_ids[at : at + CHUNK]
        for e in HandoffEntry.objects.filter(handoff_id__in=ids, kind__in=HANDOVERS).order_by("id"):
            boundaries[e.handoff_id].append(e)
        official_replies = HandoffEntry.objects.filter(handoff_id__in=ids, kind=EntryKind.REPLY, actor__isnull=False)
        for e in official_replies.order_by("id"):
            replies[e.handoff_id].append(e)
    units: dict[int, AdministrativeUnit] = {}
    figures: dict[int, TeamFigures] = {}

    def team(unit_id: int) -> TeamFigures | None:
        if unit_id not in units:
            units[unit_id] = AdministrativeUnit.objects.get(pk=unit_id)
        unit = units[unit_id]
        if not visible(unit.path):
            return None
        if unit_id not in figures:
            figures[unit_id] = TeamFigures(unit=unit, name=team_name(unit))
        return figures[unit_id]

    for turn in turns:
        if turn.kind == EntryKind.TRANSFERRED:
            from_unit = int((turn.data or {}).get("from_unit") or 0)
            source = team(from_unit) if from_unit else None
            if source is not None:
                source.passed_on += 1
        row = team(_team_of(turn))
        if row is None:
            continue
        row.handed += 1
        row.passed_in += turn.kind == EntryKind.TRANSFERRED
        # entries are appended in order: the turn lasts from its hand-over to the next one, by entry id
        until = next((b.id for b in boundaries[turn.handoff_id] if b.id > turn.id), None)
        first = next((r for r in replies[turn.handoff_id] if r.id > turn.id and (until is None or r.id < until)), None)
        if first is None:
            if until is None and turn.handoff.is_active:  # still with this team, unanswered
                row.waiting.append(turn.handoff)
            continue
        row.answered += 1
        due = parse_datetime((turn.data or {}).get("first_response_due") or "")
        if due is None or first.at <= due:
            row.on_time += 1
        else:
            row.late += 1
    return sorted(figures.values(), key=lambda f: f.unit.path)
