"""The one registry of indicators: key, label, what it means (shown beside it on every screen and export), how it
is computed from the daily tables, and its value from summed figures.

Figures are the sums of the daily-table columns over the period and the rows selected, plus the 90th percentiles
(`dossier_p90`, `petition_p90`, from the histogram table) and `followers_total` (followers at the end of the
period). Each indicator is a function of these, so every level of the drill-down uses the same definitions.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


def ratio(numerator: int, denominator: int, scale: float = 100) -> float | None:
    return None if not denominator else round(scale * numerator / denominator, 1)


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    definition: str
    computed: str
    group: str  # dossiers, petitions, channels
    unit: str  # count, percent, days, score, money
    value: Callable[[dict], float | int | None]
    per_official: bool = True  # channel figures belong to units only


def _sum(column: str) -> Callable[[dict], int]:
    return lambda f: f.get(column, 0)


D, P, C = "dossiers", "petitions", "channels"
INDICATORS: list[Indicator] = [
    Indicator("received", _("Dossiers received"),
              _("Dossiers taken in during the period, whatever the channel."),
              _("Count of dossiers by local day of receipt."), D, "count", _sum("received")),
    Indicator("received_in_person", _("Received in person"),
              _("Dossiers handed in at a one-stop desk."),
              _("Dossiers received with channel 'in person' (KenhThucHien 1)."), D, "count", _sum("received_in_person")),
    Indicator("received_online", _("Received online"),
              _("Dossiers submitted on the public service portal."),
              _("Dossiers received with channel 'online' (KenhThucHien 2)."), D, "count", _sum("received_online")),
    Indicator("received_postal", _("Received by post"),
              _("Dossiers sent through the public postal service."),
              _("Dossiers received with channel 'postal' (KenhThucHien 3)."), D, "count", _sum("received_postal")),
    Indicator("resolved", _("Dossiers resolved"),
              _("Dossiers whose processing ended with a result (ready or returned) or a reasoned refusal."),
              _("Count by local day of the end of processing; withdrawn and not accepted dossiers are left out."),
              D, "count", _sum("resolved")),
    Indicator("resolved_on_time", _("Resolved on time"),
              _("Resolved dossiers whose processing ended on or before the due date (after any apology slip)."),
              _("End of processing (local date) ≤ due date."), D, "count", _sum("resolved_on_time")),
    Indicator("resolved_late", _("Resolved late"),
              _("Resolved dossiers whose processing ended after the due date."),
              _("End of processing (local date) > due date."), D, "count", _sum("resolved_late")),
    Indicator("on_time_rate", _("On-time rate"),
              _("Share of resolved dossiers resolved on time: the figure the emulation assessment ranks units by."),
              _("resolved on time / resolved x 100."), D, "percent",
              lambda f: ratio(f.get("resolved_on_time", 0), f.get("resolved", 0))),
    Indicator("processing_days_avg", _("Average processing time"),
              _("Working days from receipt to the end of processing, on average over resolved dossiers."),
              _("Working days exclude weekends, public holidays and days off of the calendar, and include swapped "
                "working days; the day of receipt is not counted. Sum of working days / resolved."),
              D, "days", lambda f: ratio(f.get("processing_days_sum", 0), f.get("resolved", 0), 1)),
    Indicator("processing_days_p90", _("Processing time, 90th percentile"),
              _("Nine resolved dossiers in ten took at most this many working days."),
              _("Nearest-rank 90th percentile of the working-day histogram of resolved dossiers."),
              D, "days", lambda f: f.get("dossier_p90")),
    Indicator("supplement_requests", _("Supplement requests"),
              _("Times the citizen was asked to complete a dossier."),
              _("Applied status changes into 'supplement requested', by local day of the request."),
              D, "count", _sum("supplement_requests")),
    Indicator("supplement_repeats", _("Dossiers asked to supplement more than once"),
              _("Dossiers asked a second time: the rules allow one request listing everything missing."),
              _("Counted on the day of a dossier's second supplement request."), D, "count", _sum("supplement_repeats")),
    Indicator("apologies", _("Apology slips issued"),
              _("Form 04 apology letters with a new date, issued for late dossiers."),
              _("Apology events by local day of issue."), D, "count", _sum("apologies")),
    Indicator("postal_results", _("Results delivered by post"),
              _("Results returned to the citizen through the postal service."),
              _("Dossiers returned with a postal delivery registered, by local day of return."),
              D, "count", _sum("postal_results")),
    Indicator("ratings", _("Citizen ratings"),
              _("Ratings citizens gave after receiving their result."),
              _("Count of ratings by local day of rating."), D, "count", _sum("ratings")),
    Indicator("satisfaction", _("Citizen satisfaction"),
              _("Average rating as a percentage of the best possible rating."),
              _("Quick ratings: stars / 5; Circular 01 ratings: points of the nine indicators / 18; averaged."),
              D, "percent", lambda f: ratio(f.get("rating_points", 0), f.get("ratings", 0), 1)),
    Indicator("petitions_received", _("Petitions received"),
              _("Feedback and petitions received, whatever the channel."),
              _("Count by local day of receipt."), P, "count", _sum("petitions_received")),
    Indicator("petitions_forwarded_in_time", _("Forwarded within the deadline"),
              _("Petitions forwarded to the competent agency on or before the forwarding deadline."),
              _("Latest forward (local date) ≤ forwarding due date, counted on the day of the forward."),
              P, "count", _sum("petitions_forwarded_in_time")),
    Indicator("petitions_forward_rate", _("Forwarding on time"),
              _("Share of forwarded petitions forwarded within the deadline."),
              _("forwarded within the deadline / forwarded x 100."), P, "percent",
              lambda f: ratio(f.get("petitions_forwarded_in_time", 0), f.get("petitions_forwarded", 0))),
    Indicator("petitions_answered", _("Petitions answered"),
              _("Petitions that received their first approved answer."),
              _("Count by local day of the first answer."), P, "count", _sum("petitions_answered")),
    Indicator("petitions_answered_on_time", _("Answered on time"),
              _("Petitions first answered on or before the answer deadline."),
              _("First answer (local date) ≤ answer due date."), P, "count", _sum("petitions_answered_on_time")),
    Indicator("petition_answer_rate", _("Answer on-time rate"),
              _("Share of answered petitions answered on time."),
              _("answered on time / answered x 100."), P, "percent",
              lambda f: ratio(f.get("petitions_answered_on_time", 0), f.get("petitions_answered", 0))),
    Indicator("petition_answer_days_avg", _("Average answer time"),
              _("Working days from receipt to the first answer, on average."),
              _("Sum of working days (receipt day not counted) / answered."), P, "days",
              lambda f: ratio(f.get("petition_answer_days_sum", 0), f.get("petitions_answered", 0), 1)),
    Indicator("petition_satisfaction", _("Petitioner satisfaction"),
              _("Average rating petitioners gave the answer, as a percentage of five stars."),
              _("Sum of stars x 20 / ratings, by local day of rating."), P, "percent",
              lambda f: ratio(f.get("petition_rating_points", 0), f.get("petition_ratings", 0), 1)),
    Indicator("petitions_reopened", _("Petitions reopened"),
              _("Times a petitioner reopened an answered petition."),
              _("Reopening events by local day."), P, "count", _sum("petitions_reopened")),
    Indicator("followers_total", _("Followers"),
              _("People following the unit's channels at the end of the period (who still follow)."),
              _("Current followers whose latest follow is on or before the last day."),
              C, "count", lambda f: f.get("followers_total", 0), per_official=False),
    Indicator("followers_growth", _("Follower growth"),
              _("Followers gained minus followers lost during the period."),
              _("Follows (still following) minus unfollows (still not following), by local day."),
              C, "count", lambda f: f.get("followers_gained", 0) - f.get("followers_lost", 0), per_official=False),
    Indicator("messages", _("Messages sent"),
              _("Messages queued to citizens on the unit's channels (all kinds; by kind in the table below)."),
              _("Outbox rows by local day of creation."), C, "count", _sum("messages"), per_official=False),
    Indicator("delivery_rate", _("Delivery rate"),
              _("Share of sent messages the provider reported delivered."),
              _("delivered or seen / sent x 100."), C, "percent",
              lambda f: ratio(f.get("delivered", 0), f.get("sent", 0)), per_official=False),
    Indicator("seen_rate", _("Seen rate"),
              _("Share of sent messages the citizen opened."),
              _("seen / sent x 100."), C, "percent",
              lambda f: ratio(f.get("seen", 0), f.get("sent", 0)), per_official=False),
    Indicator("cost", _("Messaging cost"),
              _("What the providers charged for the messages (đồng)."),
              _("Sum of the cost of outbox rows."), C, "money", _sum("cost"), per_official=False),
]  # fmt: skip
BY_KEY = {indicator.key: indicator for indicator in INDICATORS}
GROUPS = [(D, _("Administrative procedures")), (P, _("Feedback and petitions")), (C, _("Channels and messages"))]
# The columns of the drill-down table, ranking and trend (the full list is in the indicator panel).
TABLE_KEYS = [
    "received", "resolved", "resolved_on_time", "resolved_late", "on_time_rate", "processing_days_avg",
    "processing_days_p90", "supplement_requests", "apologies", "satisfaction", "petitions_received",
    "petition_answer_rate",
]  # fmt: skip
RANKING_KEY = "on_time_rate"


def values(figures: dict) -> dict[str, float | int | None]:
    return {indicator.key: indicator.value(figures) for indicator in INDICATORS}


def format_value(value, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "date":
        return value.strftime("%d/%m/%Y")
    if unit == "percent":
        return f"{value:.1f}%".replace(".", ",")
    if unit == "days" and isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return f"{value:,}".replace(",", ".")


def percentile(histogram: dict[int, int], share: float = 0.9) -> int | None:
    """Nearest-rank percentile of {value: count}."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = math.ceil(share * total)
    running = 0
    for value in sorted(histogram):
        running += histogram[value]
        if running >= rank:
            return value
    return max(histogram)
