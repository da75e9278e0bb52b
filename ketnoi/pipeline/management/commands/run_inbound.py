"""`manage.py run_inbound`: process webhook events as they arrive. SIGTERM/SIGINT finish the current event, then exit.

Run one or more (they share the queue); `--batch` processes what is waiting and exits.
"""

import signal
import threading

from django.core.management.base import BaseCommand

from ketnoi.pipeline import claimer as inbound_queue


class Command(BaseCommand):
    help = "Process stored inbound channel events (webhooks), oldest first and in order per person."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Process the events waiting now, then exit.")

    def handle(self, *args, **options):
        if options["batch"]:
            count = inbound_queue.drain()
            if options["verbosity"]:
                self.stdout.write(f"{count} inbound events processed.")
            return
        stop = threading.Event()

        def request_stop(signum, frame):
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        self.stdout.write(f"Inbound claimer started (idle poll every {inbound_queue.poll_seconds()} s).")
        self.stdout.flush()
        inbound_queue.run(stop)
        self.stdout.write("Inbound claimer stopped.")
