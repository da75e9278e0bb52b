"""Connect a Zalo OA: `manage.py add_zalo_channel <unit code> <name> <oa id> <app id> <app secret> <oa secret key>
<access token> <refresh token>`. Prints the webhook URL to paste into the Zalo developer console."""

from django.core.management.base import BaseCommand, CommandError

from ketnoi.channels.services import webhook_url, zalo_channel_create
from ketnoi.core.errors import ApplicationError
from ketnoi.orgs.models import AdministrativeUnit


class Command(BaseCommand):
    help = "Connect a Zalo official account to a unit and print its webhook URL."

    def add_arguments(self, parser):
        parser.add_argument("unit_code")
        parser.add_argument("name")
        parser.add_argument("oa_id")
        parser.add_argument("app_id")
        parser.add_argument("app_secret")
        parser.add_argument("oa_secret_key")
        parser.add_argument("access_token")
        parser.add_argument("refresh_token")
        parser.add_argument("--quota-per-minute", type=int, default=4000)

    def handle(self, *args, **options):
        unit = AdministrativeUnit.objects.filter(code=options["unit_code"], valid_to__isnull=True).first()
        if unit is None:
            raise CommandError(f"No current unit has the code {options['unit_code']!r}.")
        try:
            channel = zalo_channel_create(
                actor=None,
                unit=unit,
                name=options["name"],
                oa_id=options["oa_id"],
                app_id=options["app_id"],
                app_secret=options["app_secret"],
                oa_secret_key=options["oa_secret_key"],
                access_token=options["access_token"],
                refresh_token=options["refresh_token"],
                quota_per_minute=options["quota_per_minute"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Channel {channel.name} ({channel.uuid}) connected to {unit.name}.")
        self.stdout.write("Webhook URL (paste into the Zalo developer console):")
        self.stdout.write(webhook_url(channel))
