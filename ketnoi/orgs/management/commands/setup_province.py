import getpass

from django.core.management.base import BaseCommand, CommandError

from ketnoi.core.errors import ApplicationError
from ketnoi.orgs.models import UnitKind
from ketnoi.orgs.services import province_setup, setup_needed


class Command(BaseCommand):
    help = (
        "First run of a new installation: the province (name and two-digit code) and its first system "
        "administrator. Works only while no administrator exists; everything else is then done in the console."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", help="Province name, e.g. 'Tỉnh Lâm Đồng'")
        parser.add_argument("--code", help="Two-digit statistics office code, e.g. 68")
        parser.add_argument("--city", action="store_true", help="A centrally-run city rather than a province")
        parser.add_argument("--username", help="The first administrator's username")
        parser.add_argument("--full-name", dest="full_name", help="The first administrator's full name")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-from-env",
            metavar="VARIABLE",
            help="Read the password from this environment variable instead of asking for it",
        )

    def handle(self, *args, **options):
        import os

        if not setup_needed():
            raise CommandError("This installation already has an administrator: use the console.")
        ask = self._ask
        name = options["name"] or ask("Province name")
        code = options["code"] or ask("Province code (2 digits)")
        username = options["username"] or ask("Administrator's username")
        full_name = options["full_name"] or ask("Administrator's full name")
        if options["password_from_env"]:
            password = os.environ.get(options["password_from_env"], "")
        else:
            password = getpass.getpass("Administrator's password: ")
            if password != getpass.getpass("Again: "):
                raise CommandError("The passwords differ.")
        try:
            province, user = province_setup(
                province_name=name,
                province_code=code,
                kind=UnitKind.CITY if options["city"] else UnitKind.PROVINCE,
                username=username,
                full_name=full_name,
                email=options["email"],
                password=password,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"{province.name} ({province.code}) is set up."))
        self.stdout.write(
            f"Sign in to /console/ as {user.username}: you will set up two-step sign-in first, then import the "
            "communes (Units → Import) and create agencies, desks, officials and channels."
        )

    def _ask(self, label: str) -> str:
        value = input(f"{label}: ").strip()
        if not value:
            raise CommandError(f"{label} is required.")
        return value
