"""`manage.py prune_retained`: what the nightly job ops.prune_retained does, at once, with its report."""

from django.conf import settings
from django.core.management.base import BaseCommand

from ketnoi.ops.retention import prune_retained


class Command(BaseCommand):
    help = "Delete records past their retention period (settings RETENTION_*) and print what was removed."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=None, help="Rows per transaction.")

    def handle(self, *args, batch_size=None, **options):
        run = prune_retained(batch_size=batch_size)
        for kind, days in settings.RETENTION_DAYS.items():
            if kind in run.removed:
                self.stdout.write(f"{kind}: {run.removed[kind]} removed (older than {days} days)")
            elif kind != "task_results":
                self.stdout.write(f"{kind}: kept for ever (0 days)")
