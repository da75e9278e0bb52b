import time

from django_otp.oath import TOTP

from django.core.management.base import BaseCommand

from ketnoi.accounts.demo import DEMO_TOTP_KEY, demo_secret_base32


class Command(BaseCommand):
    help = "Print the current two-step sign-in code of the demo key (demo officials only; real keys never leave the database)."

    def handle(self, *args, **options):
        totp = TOTP(bytes.fromhex(DEMO_TOTP_KEY))
        totp.time = time.time()
        self.stdout.write(f"{totp.token():06d}  (key {demo_secret_base32()}; changes every 30 seconds)")
