"""Long-running outbox dispatcher: `manage.py run_dispatcher`. SIGTERM/SIGINT finish in-flight sends, then exit."""

import signal
import threading

from django.core.management.base import BaseCommand

from ketnoi.outbox.dispatcher import Dispatcher


class Command(BaseCommand):
    help = "Send queued outbox messages, lane by lane, within each channel's quota."

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=256, help="Sends in flight at once.")
        parser.add_argument("--batch-size", type=int, default=200, help="Rows claimed per round.")
        parser.add_argument("--lease-seconds", type=float, default=None, help="Override OUTBOX_LEASE_SECONDS.")
        parser.add_argument("--sweep-every", type=float, default=15.0, help="Seconds between sweeps of stuck rows.")

    def handle(self, *args, **options):
        if options["lease_seconds"] is not None:
            from django.conf import settings

            settings.OUTBOX_LEASE_SECONDS = options["lease_seconds"]
        stop = threading.Event()

        def request_stop(signum, frame):
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        dispatcher = Dispatcher(concurrency=options["concurrency"], batch_size=options["batch_size"])
        self.stdout.write(f"Dispatcher {dispatcher.name} started.")
        self.stdout.flush()
        try:
            dispatcher.run(stop, sweep_every=options["sweep_every"])
        finally:
            dispatcher.close()
        self.stdout.write(f"Dispatcher {dispatcher.name} stopped.")
