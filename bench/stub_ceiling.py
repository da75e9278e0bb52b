"""The fast stub provider's own ceiling: how many Zalo calls a second bench/stub_zalo.py takes, so every throughput
figure measured against it can be read as "ketnoi's limit, not the provider's".

A raw asyncio load client (keep-alive connections, prepared request bytes, no HTTP library) in a second process
posts consultation messages as fast as the stub answers for BENCH_STUB_SECONDS (default 5); the stub's CPU per
call comes from /proc. Both share the machine's 2 cores with each other (and with anyone else working), so the
figure is a floor of the stub's ceiling. Then the same with 40 ms of provider latency and 256 connections (what a
distant Zalo looks like to an async sender), and a check that every call was recorded once (0 lost, 0 duplicated).
Baseline: the Django sandbox under gunicorn (2 workers x 8 threads), the stand-in the benchmarks used before, with
the same client at 16 connections.
"""

import asyncio
import json
import multiprocessing
import os
import time

from . import cpu, harness, stub_zalo

SECONDS = float(os.environ.get("BENCH_STUB_SECONDS", "5"))


def _request(port: int, n: int, oa: str = "4000000000000000001") -> bytes:
    body = json.dumps(
        {"recipient": {"user_id": f"u{n % 1000}"}, "message": {"text": f"Hồ sơ BENCH-{n}: Đang xử lý."}},
        ensure_ascii=False,
    ).encode()
    return (
        b"POST /openapi/v3.0/oa/message/cs HTTP/1.1\r\nHost: 127.0.0.1:%d\r\naccess_token: %s.bench\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (port, oa.encode(), len(body))
    ) + body


async def _client(port: int, connections: int, seconds: float, path_prefix: bytes) -> tuple[int, int]:
    """Calls answered and errors (non-zero Zalo error) over `seconds`, each connection one call at a time."""
    answered = errors = 0
    counter = iter(range(10**9))
    deadline = time.monotonic() + seconds

    async def one() -> None:
        nonlocal answered, errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.monotonic() < deadline:
            request = _request(port, next(counter))
            if path_prefix:
                request = request.replace(b"POST /openapi", b"POST " + path_prefix, 1)
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length)
            answered += 1
            if b'"error": 0' not in body and b'"error":0' not in body:
                errors += 1
        writer.close()

    await asyncio.gather(*(one() for _ in range(connections)))
    return answered, errors


def _client_process(port: int, connections: int, seconds: float, prefix: bytes, queue) -> None:
    queue.put(asyncio.run(_client(port, connections, seconds, prefix)))


def _load(port: int, connections: int, seconds: float, prefix: bytes = b"") -> tuple[int, int, float]:
    queue = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(
        target=_client_process, args=(port, connections, seconds, prefix, queue)
    )
    started = time.monotonic()
    process.start()
    answered, errors = queue.get(timeout=seconds + 120)
    process.join()
    return answered, errors, time.monotonic() - started


def _stub_run(connections: int, latency_ms: float) -> dict:
    with stub_zalo.StubZalo(latency_ms=latency_ms) as stub:
        before = cpu.process_ticks(stub.pid) or 0
        answered, errors, _ = _load(stub.port, connections, SECONDS)
        spent_ms = ((cpu.process_ticks(stub.pid) or 0) - before) * 1000 / cpu.TICK
        stats = stub.stats()
        arrivals = stub.arrivals()
    keys = {row[4] for row in arrivals}
    return {
        "calls/s": round(answered / SECONDS),
        "stub CPU ms/call": round(spent_ms / max(answered, 1), 3),
        "calls/s one core could take (1000 / CPU ms)": round(1000 / max(spent_ms / max(answered, 1), 1e-6)),
        "errors": errors,
        "recorded/answered": f"{stats['arrivals']}/{answered}",
        "duplicated": stats["duplicated"] if len(keys) == stats["distinct"] else "key mismatch",
    }


def _sandbox_run(connections: int) -> dict:
    """The Django sandbox as the benchmarks used it: a real OA and follower, the lean settings."""
    from . import zalo

    harness.django_setup()
    zalo.lean_sandbox()
    oa = zalo.create_oas(1, followers=1000)[0]
    with harness.Server() as server:
        port = server.port

        async def run() -> tuple[int, int]:
            answered = errors = 0
            deadline = time.monotonic() + SECONDS
            counter = iter(range(10**9))

            async def one() -> None:
                nonlocal answered, errors
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                while time.monotonic() < deadline:
                    n = next(counter)
                    body = json.dumps(
                        {"recipient": {"user_id": oa.user_ids[n % 1000]}, "message": {"text": f"Hồ sơ BENCH-{n}"}},
                        ensure_ascii=False,
                    ).encode()
                    writer.write(
                        b"POST /sandbox/zalo/openapi/v3.0/oa/message/cs HTTP/1.1\r\nHost: x\r\naccess_token: %s\r\n"
                        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                        % (oa.access_token.encode(), len(body))
                        + body
                    )
                    head = await reader.readuntil(b"\r\n\r\n")
                    length = next(
                        int(line.split(b":", 1)[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    )
                    answer = await reader.readexactly(length)
                    answered += 1
                    if b'"error":0' not in answer.replace(b" ", b""):
                        errors += 1
                writer.close()

            await asyncio.gather(*(one() for _ in range(connections)))
            return answered, errors

        answered, errors = asyncio.run(run())
    return {"calls/s": round(answered / SECONDS), "errors": errors}


def run() -> harness.Result:
    load = cpu.load_average()
    fast = _stub_run(64, 0)
    distant = _stub_run(256, 40)
    sandbox = _sandbox_run(16)
    met = fast["errors"] == 0 and fast["duplicated"] == 0 and fast["calls/s"] >= 5000
    met = met and fast["recorded/answered"].split("/")[0] == fast["recorded/answered"].split("/")[1]
    return harness.Result(
        name="stub_ceiling",
        title="Fast stub provider (bench/stub_zalo.py): its own ceiling",
        figures={
            "stub, 64 connections": fast,
            "stub with 40 ms latency, 256 connections": distant,
            "load average at start": load,
        },
        baseline={"Django sandbox under gunicorn, 16 connections": sandbox},
        target=">= 5,000 calls/s, every call recorded once (a floor: the load client shares the 2 cores)",
        met=met,
        notes=f"{SECONDS:.0f} s per run; raw asyncio keep-alive client in its own process.",
    )
