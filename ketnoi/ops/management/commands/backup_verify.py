"""`manage.py backup_verify <folder>/manifest.json`, run against a restored database: the restore drill."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ketnoi.ops.backup import verify


class Command(BaseCommand):
    help = "Compare this database with a backup's manifest: row counts, migrations, and encrypted values readable."

    def add_arguments(self, parser):
        parser.add_argument("manifest")

    def handle(self, *args, manifest, **options):
        problems = verify(json.loads(Path(manifest).read_text()))
        if problems:
            raise CommandError("The restored database differs from the backup:\n  " + "\n  ".join(problems))
        self.stdout.write(self.style.SUCCESS("Restore verified: same rows, same migrations, encrypted data readable."))
