"""Run (or resume) a broadcast's fan-out in this process: the same code as the background task.

For operators (resume a fan-out now rather than waiting for the resume job) and for the crash tests and benchmark,
which kill this process mid-way. `--pause` spreads the batches out in time.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from ketnoi.broadcasts.models import Broadcast
from ketnoi.broadcasts.services import fanout_step


class Command(BaseCommand):
    help = "Fan a broadcast out to the outbox, resuming from its cursor."

    def add_arguments(self, parser):
        parser.add_argument("broadcast", help="The broadcast's uuid.")
        parser.add_argument("--batch", type=int, default=None, help="Recipients per batch (default: the setting).")
        parser.add_argument("--pause", type=float, default=0.0, help="Seconds to wait between batches.")

    def handle(self, *args, broadcast, batch, pause, **options):
        found = Broadcast.objects.filter(uuid=broadcast).values_list("pk", flat=True).first()
        if found is None:
            raise CommandError(f"No broadcast {broadcast}.")
        batches = 0
        while fanout_step(broadcast_id=found, batch=batch):
            batches += 1
            if pause:
                time.sleep(pause)
        self.stdout.write(f"{batches} batches")
