from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from ketnoi.orgs.demo import DEMO_PASSWORD
from ketnoi.orgs.demo import seed as seed_province


class Command(BaseCommand):
    help = "Seed the fictional demo province (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        with transaction.atomic():
            logins = seed_province()
            # Later domains register their demo data in settings.DEMO_SEEDERS (dotted paths, run in order).
            for path in getattr(settings, "DEMO_SEEDERS", []):
                import_string(path)(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo province ready. Console logins (password: {DEMO_PASSWORD}):"))
        for username, role, place in logins:
            self.stdout.write(f"  {username:<20} {role:<28} {place}")
