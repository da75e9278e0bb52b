"""Counters shared by every process (web workers, dispatchers, machines), kept in the shared cache (CACHE_URL,
Redis in production) and exposed as Prometheus counters by /metrics (ketnoi/ops/metrics.py). Counting never
breaks the path it counts: a cache that does not answer loses the count, not the request or the message.

With the local-memory cache of development each process counts alone, so /metrics shows only the web process's.
"""

import logging

from django.core.cache import cache

log = logging.getLogger(__name__)
PREFIX = "ketnoi:tally:"


def tally_key(name: str, labels: dict[str, str]) -> str:
    return PREFIX + name + ":" + ",".join(f"{key}={labels[key]}" for key in sorted(labels))


def tally(name: str, amount: int = 1, **labels: str) -> None:
    key = tally_key(name, labels)
    try:
        try:
            cache.incr(key, amount)  # one round trip once the counter exists
        except ValueError:
            if not cache.add(key, amount, timeout=None):
                cache.incr(key, amount)
    except Exception:  # metrics must never cost a webhook or a message
        log.debug("Tally %s not counted.", key, exc_info=True)


def tally_read(name: str, label_sets: list[dict[str, str]]) -> list[tuple[dict[str, str], int]]:
    """The counts of the given label combinations (those never counted are left out)."""
    keys = {tally_key(name, labels): labels for labels in label_sets}
    try:
        found = cache.get_many(list(keys))
    except Exception:
        log.warning("Tallies %s could not be read from the cache.", name, exc_info=True)
        return []
    return [(keys[key], int(value)) for key, value in found.items()]
