"""Pre-aggregated daily tables the dashboards read, and the bookkeeping that keeps them current incrementally.

One row per local day and who did the work (unit → agency → desk → official): counts and sums only, so any
period and any level of the drill-down is a SUM over these rows. Processing times go to a histogram table
(a 90th percentile is not a sum); channel figures (followers, messages) belong to a unit only.

The refresh job (ketnoi.reports.aggregation.reports_refresh) recomputes only the days touched since its last run:
it reads rows changed after the watermark, and a footprint of the days each dossier or follower last counted in,
so a day a dossier left (its desk changed, say) is recomputed too. Nothing else writes here.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


def _count():
    return models.PositiveIntegerField(default=0)


class DailyUnitStat(models.Model):
    day = models.DateField()
    unit = models.ForeignKey("orgs.AdministrativeUnit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, help_text="Copied from the unit, so scoping needs no join.")
    agency = models.ForeignKey("orgs.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    desk = models.ForeignKey("orgs.Desk", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # dossiers
    received = _count()
    received_in_person = _count()
    received_online = _count()
    received_postal = _count()
    resolved = _count()
    resolved_on_time = _count()
    resolved_late = _count()
    processing_days_sum = _count()
    supplement_requests = _count()
    supplement_repeats = _count()
    apologies = _count()
    postal_results = _count()
    ratings = _count()
    rating_points = _count()
    # petitions
    petitions_received = _count()
    petitions_forwarded = _count()
    petitions_forwarded_in_time = _count()
    petitions_answered = _count()
    petitions_answered_on_time = _count()
    petition_answer_days_sum = _count()
    petition_ratings = _count()
    petition_rating_points = _count()
    petitions_reopened = _count()

    class Meta:
        indexes = [
            models.Index(fields=["day", "unit_path"], name="daily_unit_day_path"),
            models.Index(fields=["unit_path", "day"], name="daily_unit_path_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.unit_id}/{self.agency_id}/{self.desk_id}/{self.official_id}"


METRICS = [f.name for f in DailyUnitStat._meta.local_fields if isinstance(f, models.PositiveIntegerField)]
DIMENSIONS = ("unit_id", "agency_id", "desk_id", "official_id")


class DurationSubject(models.TextChoices):
    DOSSIER = "dossier", "dossier"
    PETITION = "petition", "petition"


class DailyDuration(models.Model):
    """How many dossiers (or petitions) finished that day took `working_days`: the histogram behind the p90.
    Kept at two grains (`fine`), since a histogram per official is many rows and most dashboards want units."""

    day = models.DateField()
    unit = models.ForeignKey("orgs.AdministrativeUnit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    agency = models.ForeignKey("orgs.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    desk = models.ForeignKey("orgs.Desk", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=10, choices=DurationSubject.choices)
    working_days = models.IntegerField()
    count = _count()
    fine = models.BooleanField(
        default=True,
        help_text="True: per desk and official (desk and official levels); False: the same counts per unit and "
        "agency only, several times fewer rows, read by the province and commune levels.",
    )

    class Meta:
        indexes = [models.Index(fields=["fine", "day", "unit_path"], name="daily_duration_grain_day_path")]

    def __str__(self) -> str:
        return f"{self.day} {self.subject} {self.working_days}d x{self.count}"


class DailyChannelStat(models.Model):
    """Followers gained and lost (kind ''), and messages by kind, of a unit's channels on one day."""

    day = models.DateField()
    unit = models.ForeignKey("orgs.AdministrativeUnit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    kind = models.CharField(max_length=20, blank=True)
    followers_gained = _count()
    followers_lost = _count()
    messages = _count()
    sent = _count()
    delivered = _count()
    seen = _count()
    failed = _count()
    cost = models.PositiveBigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "unit_path"], name="daily_channel_day_path")]

    def __str__(self) -> str:
        return f"{self.day} {self.unit_id} {self.kind or 'followers'}"


CHANNEL_METRICS = ["followers_gained", "followers_lost", "messages", "sent", "delivered", "seen", "failed", "cost"]


class DirtyDay(models.Model):
    """A day to recompute at the next refresh, marked by hand (e.g. after a calendar change)."""

    day = models.DateField(unique=True)
    marked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.day)


class Watermark(models.Model):
    """Up to when the source tables have been read into the daily tables."""

    source = models.CharField(max_length=40, primary_key=True)
    value = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.source} {self.value}"


class Footprint(models.Model):
    """The days one dossier (or follower, petition) counted in at the last refresh: recomputed if it changes."""

    source = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    days = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "object_id"], name="report_footprint_unique")]

    def __str__(self) -> str:
        return f"{self.source} {self.object_id}"


class DigestSubscription(models.Model):
    """An official who wants a daily report sent to them (kind "business_daily": businesses' petitions, each working
    morning). ketnoi.reports.business_digest writes and reads it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_subscriptions")
    kind = models.CharField(max_length=30)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="digest_subscription_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind}"
