"""`manage.py citizen_data export|erase --phone 0912345678 | --id-number 001203004567 [--reason ...]`."""

import json

from django.core.management.base import BaseCommand, CommandError

from ketnoi.core.errors import ApplicationError
from ketnoi.ops.citizen_data import citizen_erase, citizen_export


class Command(BaseCommand):
    help = "Export (JSON on standard output) or erase what ketnoi holds about a citizen, by phone or ID number."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "erase"])
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--phone", default="")
        who.add_argument("--id-number", default="")
        parser.add_argument("--reason", default="", help="The citizen's request: its reference, how it was made.")
        parser.add_argument("--yes", action="store_true", help="Erase without asking (erase only).")

    def handle(self, *args, action, phone, id_number, reason, yes, **options):
        try:
            if action == "export":
                request, data = citizen_export(actor=None, phone=phone, id_number=id_number, reason=reason)
                self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
                self.stderr.write(f"Exported for {request.subject}: {request.counts}")
                return
            if not yes:
                raise CommandError("Erasure cannot be undone: add --yes once the citizen's request is checked.")
            request = citizen_erase(actor=None, phone=phone, id_number=id_number, reason=reason)
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        for key, count in request.counts.items():
            self.stdout.write(f"{key}: {count}")
        self.stdout.write(f"Erased for {request.subject}; dossiers and petitions are kept as administrative records.")
