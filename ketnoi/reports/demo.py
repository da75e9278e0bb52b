"""Demo reports: fill the daily tables from the demo data the other seeders made (runs last in DEMO_SEEDERS);
afterwards the scheduled refresh keeps them current. Subscribe the demo monitor and association to the daily report."""

from django.contrib.auth import get_user_model

from .aggregation import reports_refresh
from .services import digest_subscribe

# The province's monitor and the business association receive the daily report of businesses' petitions.
DIGEST_SUBSCRIBERS = ("giamsat.tinh", "hiephoi.doanhnghiep")


def seed(stdout=None) -> None:
    result = reports_refresh()
    subscribers = []
    for official in get_user_model().objects.filter(username__in=DIGEST_SUBSCRIBERS, is_active=True):
        digest_subscribe(official=official, on=True)
        subscribers.append(official.get_username())
    if stdout is not None:
        stdout.write(f"Reports: {result.days} days {'rebuilt' if result.rebuilt else 'refreshed'}.")
        if subscribers:
            stdout.write(
                f"Daily report of businesses' petitions (each working morning, /console/reports/business-digest/): "
                f"{', '.join(sorted(subscribers))} subscribed."
            )
