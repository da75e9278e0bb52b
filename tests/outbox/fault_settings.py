"""Settings for processes started by the fault tests: the test settings with a short HTTP timeout (so the
sandbox's 1.5 s "lost answers" are lost), quick retries, and a short pause after -32."""

from config.settings.test import *  # noqa: F403

ZALO_HTTP_TIMEOUT = 1.0
ZALO_RATE_LIMIT_PAUSE_SECONDS = 2.0
OUTBOX_RETRY_BASE_SECONDS = 0.05
OUTBOX_RETRY_MAX_SECONDS = 0.5
OUTBOX_MAX_ATTEMPTS = 200  # faults on every other call: nothing may become a dead letter
INBOUND_POLL_SECONDS = 0.05
SCHEDULED_JOBS = [{"name": "test.sweep", "func": "ketnoi.outbox.scheduler.sweep_job", "seconds": 1}]
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405 - keep connections, as deployments do (the tests' 0 would hide a dead one)
