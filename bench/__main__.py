"""`make bench`: run the benchmarks (all, or those named), write bench/results/*.json and the table in README.md.

Each benchmark measures its figure and a baseline in the same run, on PostgreSQL, on this machine.
"""

import importlib
import sys
import time

from . import harness

BENCHES = [
    "bench.stub_ceiling",
    "bench.webhook_intake",
    "bench.outbox_throughput",
    "bench.dispatcher_throughput",
    "bench.quota_precision",
    "bench.priority_isolation",
    "bench.status_events",
    "bench.notifications",
    "bench.dvcqg_sync",
    "bench.dossier_lookup",
    "bench.large_scale",
    "bench.report_dashboard",
    "bench.broadcast_fanout",
    "bench.group_alert",
    "bench.province_alert",
]
MARK_START, MARK_END = "<!-- results:start -->", "<!-- results:end -->"


def summarise() -> None:
    lines = [MARK_START, "", "| benchmark | figure | baseline (same run) | target | met |", "|---|---|---|---|---|"]
    for r in harness.load_all():
        figures = "; ".join(f"{k} {v}" for k, v in r["figures"].items())
        baseline = "; ".join(f"{k} {v}" for k, v in r["baseline"].items())
        lines.append(f"| {r['title']} | {figures} | {baseline} | {r['target']} | {'yes' if r['met'] else 'NO'} |")
    lines += ["", MARK_END]
    readme = harness.ROOT / "bench" / "README.md"
    text = readme.read_text()
    start, end = text.index(MARK_START), text.index(MARK_END) + len(MARK_END)
    readme.write_text(text[:start] + "\n".join(lines) + text[end:])


def main(names: list[str]) -> int:
    selected = [b for b in BENCHES if not names or b.split(".")[-1] in names]
    for module_name in selected:
        started = time.monotonic()
        print(f"== {module_name}", flush=True)
        harness.fresh_database()
        result = importlib.import_module(module_name).run()
        harness.save(result)
        print(
            f"   {result.figures} vs {result.baseline} -> {'met' if result.met else 'NOT MET'}"
            f" ({time.monotonic() - started:.0f} s)",
            flush=True,
        )
    summarise()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
