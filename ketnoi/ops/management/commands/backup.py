"""`manage.py backup --output DIR`: the database, local uploads and a manifest, in a new folder under DIR."""

from pathlib import Path

from django.core.management.base import BaseCommand

from ketnoi.ops.backup import backup


class Command(BaseCommand):
    help = "Back up the database, the uploaded files (local storage) and a manifest. The keys are not included."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="Folder to create the backup in.")

    def handle(self, *args, output, **options):
        folder = backup(Path(output))
        self.stdout.write(f"Backup written to {folder}")
        self.stdout.write(
            "Not in it, on purpose: FIELD_ENCRYPTION_KEY and SECRET_KEY. Keep them in the password vault; without "
            "FIELD_ENCRYPTION_KEY this backup cannot be read. Copy the folder off this machine."
        )
