"""Demo reports: fill the daily tables from the demo data the other seeders made (runs last in DEMO_SEEDERS);
afterwards the scheduled refresh keeps them current."""

from .aggregation import reports_refresh


def seed(stdout=None) -> None:
    result = reports_refresh()
    if stdout is not None:
        stdout.write(f"Reports: {result.days} days {'rebuilt' if result.rebuilt else 'refreshed'}.")
