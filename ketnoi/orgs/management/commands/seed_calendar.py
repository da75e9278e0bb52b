from django.core.management.base import BaseCommand
from django.utils import timezone

from ketnoi.orgs.services import seed_calendar_year


class Command(BaseCommand):
    help = "Add the public holidays, official days off and swapped working days of the given years (default: this "
    help += "year and next) to the working-day calendar. Existing rows are never changed."

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", type=int)

    def handle(self, *args, years: list[int], **options):
        this_year = timezone.localdate().year
        for year in years or [this_year, this_year + 1]:
            created = seed_calendar_year(year=year)
            self.stdout.write(f"{year}: {len(created)} day(s) added.")
