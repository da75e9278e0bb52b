"""Settings for a dispatcher subprocess started by the outbox tests: the test settings plus the sink types."""

from config.settings.test import *  # noqa: F403
from tests.outbox.sink import SINK_TYPES

CHANNEL_TYPES = SINK_TYPES
OUTBOX_RETRY_BASE_SECONDS = 0.05
OUTBOX_RETRY_MAX_SECONDS = 0.5
