"""bench.settings for the broadcast benchmark's own processes: no provider night rule, so a news broadcast is
sent whatever the hour the benchmark runs at (the rule is tested in tests/broadcasts/test_fanout.py)."""

from bench.settings import *  # noqa: F403

BROADCAST_NIGHT_HOURS = None
