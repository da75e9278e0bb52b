"""Periodic jobs from settings.SCHEDULED_JOBS (APScheduler BlockingScheduler): `manage.py run_scheduler`."""

import signal

from django.core.management.base import BaseCommand

from ketnoi.outbox.scheduler import build_scheduler


class Command(BaseCommand):
    help = "Run the periodic jobs (outbox sweeper, token refresher, ...); each job locks, so several may run."

    def handle(self, *args, **options):
        scheduler = build_scheduler()
        for job in scheduler.get_jobs():
            self.stdout.write(f"Scheduled {job.id}: {job.trigger}")

        def request_stop(signum, frame):
            scheduler.shutdown(wait=False)

        signal.signal(signal.SIGTERM, request_stop)
        self.stdout.flush()
        scheduler.start()
