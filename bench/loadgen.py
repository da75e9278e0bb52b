"""The benchmarks' load generator: POST many JSON bodies to the gunicorn under test, N requests in flight.

Why aiohttp (through ketnoi.core.async_http, the dispatcher's client) and not httpx.AsyncClient: the load generator
shares the machine's two cores with what it measures. Posting single status events, httpx.AsyncClient cost 1.66 CPU
ms per request in the bench process (a fifth of the machine's busy time, taken from gunicorn and PostgreSQL); aiohttp
costs about a fifth of that. Its own CPU per request is reported beside each run.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ketnoi.core.async_http import AsyncHttp


@dataclass
class Posted:
    started: float  # epoch seconds of the first request
    ended: float
    durations: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0  # the load generator's own CPU (this process) while posting

    @property
    def slowest(self) -> float:
        return max(self.durations, default=0.0)

    def cpu_ms_per_request(self) -> float:
        return round(1000 * self.cpu_seconds / max(1, len(self.durations)), 3)


def post_all(
    url: str,
    bodies: list[Any],
    *,
    concurrency: int,
    headers: dict[str, str],
    on_answer: Callable[[int, Any], None],
    timeout: float = 300.0,
) -> Posted:
    """POST each body to `url`, `concurrency` at a time; `on_answer(status, json or None)` sees every answer."""
    return asyncio.run(_post_all(url, bodies, concurrency, headers, on_answer, timeout))


async def _post_all(url, bodies, concurrency, headers, on_answer, timeout) -> Posted:
    queue = list(reversed(bodies))
    durations: list[float] = []
    async with AsyncHttp(max_connections=concurrency) as client:

        async def worker() -> None:
            while queue:
                body = queue.pop()
                sent = time.monotonic()
                response = await client.post(url, json=body, headers=headers, timeout=timeout)
                durations.append(time.monotonic() - sent)
                try:
                    answer = response.json()
                except ValueError:
                    answer = None
                on_answer(response.status_code, answer)

        cpu, started = time.process_time(), time.time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        ended, cpu = time.time(), time.process_time() - cpu
    return Posted(started=started, ended=ended, durations=durations, cpu_seconds=cpu)
