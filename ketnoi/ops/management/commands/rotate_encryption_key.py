"""`manage.py rotate_encryption_key`: re-encrypt every stored secret and ID number with FIELD_ENCRYPTION_KEY."""

from django.core.management.base import BaseCommand, CommandError

from ketnoi.ops.keys import rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value (and recompute keyed hashes) with FIELD_ENCRYPTION_KEY; the old key must "
        "still be in FIELD_ENCRYPTION_OLD_KEYS while this runs. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, batch_size, **options):
        try:
            counts = rotate_all(batch_size=batch_size)
        except ValueError as exc:
            raise CommandError(f"{exc} Put the key it was written with in FIELD_ENCRYPTION_OLD_KEYS.") from exc
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count} re-encrypted")
        self.stdout.write(self.style.SUCCESS("Done: FIELD_ENCRYPTION_OLD_KEYS can now be emptied."))
