import secrets

from django.core.management.base import BaseCommand, CommandError

from ketnoi.api.dvcqg.services.accounts import dvcqg_client_create
from ketnoi.core.errors import ApplicationError
from ketnoi.orgs.models import Agency


class Command(BaseCommand):
    help = (
        "Configure a one-stop system that sends the national portal's dossier sync (DVCQG) to ketnoi. Prints the "
        "adapter's credentials and the bare-array base URL once; they are stored hashed."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="What the system is, e.g. 'Một cửa tỉnh (OpenCPS)'.")
        parser.add_argument("agency_code", help="The receiving agency of its dossiers (its unit is the scope).")
        parser.add_argument("username", help="User name for the adapter's authentication.")
        parser.add_argument("--password", default="", help="Default: generated and printed once.")
        parser.add_argument("--relay", action="store_true", help="Forward every accepted payload upstream.")
        parser.add_argument("--upstream-url", default="", help="Adapter: integration endpoint; arrays: base URL.")
        parser.add_argument("--upstream-auth-url", default="", help="Adapter: the upstream's authentication URL.")
        parser.add_argument("--upstream-username", default="")
        parser.add_argument("--upstream-password", default="")
        parser.add_argument("--upstream-dstcode", default="")
        parser.add_argument("--base-url", default="", help="This ketnoi's public URL, to print the full URLs.")

    def handle(self, *args, name, agency_code, username, password, relay, base_url, **options):
        agency = Agency.objects.filter(code=agency_code).first()
        if agency is None:
            raise CommandError(f"No agency has the code {agency_code}.")
        password = password or secrets.token_urlsafe(18)
        try:
            client, key = dvcqg_client_create(
                actor=None,
                name=name,
                receiving_agency=agency,
                username=username,
                password=password,
                relay_enabled=relay,
                upstream_url=options["upstream_url"],
                upstream_auth_url=options["upstream_auth_url"],
                upstream_username=options["upstream_username"],
                upstream_password=options["upstream_password"],
                upstream_dstcode=options["upstream_dstcode"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        base = base_url.rstrip("/")
        self.stdout.write(f"DVCQG client '{client.name}' for {agency.name} (relay {'on' if relay else 'off'}).")
        self.stdout.write("Shown once, keep them secret:")
        self.stdout.write(f"  adapter auth_endpoint:        {base}/api/dvcqg/adapter/auth")
        self.stdout.write(f"  adapter integration_endpoint: {base}/api/dvcqg/adapter/service")
        self.stdout.write(f"  username / password:          {username} / {password}")
        self.stdout.write(f"  bare-array Base:              {base}/api/dvcqg/rest/{key}/")
        self.stdout.write("  (URLThemMoi ThemMoi, URLCapNhat CapNhat, URLDongBoTienTrinh DongBoTienTrinh)")
