from django.core.management.base import BaseCommand, CommandError

from ketnoi.api.services import api_client_create
from ketnoi.orgs.models import AdministrativeUnit


class Command(BaseCommand):
    help = "Create a token for an external system (e.g. the province's one-stop system). The token is shown once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="What the system is, e.g. 'One-stop system'.")
        parser.add_argument("unit_code", help="Code of the unit whose data the client may read and write.")

    def handle(self, *args, name, unit_code, **options):
        unit = AdministrativeUnit.objects.filter(code=unit_code, valid_to__isnull=True).first()
        if unit is None:
            raise CommandError(f"No current unit with code {unit_code}.")
        client, token = api_client_create(actor=None, name=name, unit=unit)
        self.stdout.write(f"API client '{client.name}' for {unit.name}.")
        self.stdout.write(f"Token (shown once, keep it secret): {token}")
