"""Development only: make sure the demo province's Zalo OAs exist in the sandbox and are connected as channels."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ketnoi.sandbox.demo import newcomer_guide, setup_demo


class Command(BaseCommand):
    help = "Create the demo Zalo OAs in the sandbox and connect them as channels (idempotent)."

    def handle(self, *args, **options):
        if not settings.DEBUG and not getattr(settings, "SANDBOX_ALLOW_SETUP", False):
            raise CommandError("sandbox_setup_demo is for development (DEBUG=True) only.")
        self.stdout.write("Zalo sandbox OAs:")
        try:
            setup_demo(stdout=self.stdout)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(newcomer_guide(settings.PUBLIC_BASE_URL)))
