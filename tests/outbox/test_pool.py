import threading

from ketnoi.outbox.models import Lane
from ketnoi.outbox.pool import SenderPool


def test_a_reply_submitted_behind_queued_bulk_sends_goes_first():
    pool = SenderPool(1)
    started, release, order = threading.Event(), threading.Event(), []
    try:
        pool.submit(lambda: (started.set(), release.wait(5), order.append("busy")), priority=Lane.BULK)
        assert started.wait(5)  # the only sender is now busy
        for name in ("bulk-1", "bulk-2"):
            pool.submit(order.append, name, priority=Lane.BULK)
        pool.submit(order.append, "reply", priority=Lane.TRANSACTIONAL)
        pool.submit(order.append, "alert", priority=Lane.EMERGENCY)
        release.set()
        assert pool.wait(timeout=5)
    finally:
        pool.close()
    assert order == ["busy", "alert", "reply", "bulk-1", "bulk-2"]
