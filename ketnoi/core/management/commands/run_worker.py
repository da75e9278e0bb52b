"""`manage.py run_worker`: django-tasks' `db_worker`, carrying on by itself across a database restart.

The library's worker exits on any database error other than a locked SQLite file, so a PostgreSQL restart or
failover would stop background jobs until someone restarted the process. This worker drops the lost connection,
waits a moment and goes on. Same options as `db_worker` (without --reload). A task whose result could not be
written because the database went away in that instant stays "running" in django-tasks' table (the library has no
lease on running tasks); ketnoi's tasks are all safe to run again.
"""

import logging
import time

from django_tasks_db.management.commands import db_worker

from django.db import connections

from ketnoi.core.db import CONNECTION_ERRORS

log = logging.getLogger(__name__)

PAUSE_SECONDS = 1.0


class DatabaseRestartSafeWorker(db_worker.Worker):
    def run(self) -> None:
        while True:
            try:
                return super().run()
            except CONNECTION_ERRORS:
                if not self.running:
                    return None
                log.warning("Task worker %s: database connection lost; reconnecting.", self.worker_id)
                for connection in connections.all(initialized_only=True):
                    connection.close()
                time.sleep(PAUSE_SECONDS)


class Command(db_worker.Command):
    help = "Run the django-tasks database worker, reconnecting after a database restart."

    def handle(self, *, verbosity: int, queue_name: str, exclude_queues: str, **options) -> None:
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise db_worker.CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = DatabaseRestartSafeWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        worker.run()
