"""Django's PostgreSQL backend with a health check that costs no round trip (DATABASES ENGINE
"ketnoi.core.postgresql", set in config/settings/base.py).

Why: with CONN_HEALTH_CHECKS Django runs SELECT 1 before the first query of every request on a kept connection. On
the API's hot path that was a whole transaction at the server per request (half of a status event's commits, 2.17
per notice) and a round trip. An idle connection has nothing to read: if its socket is readable, the server has
closed it (a restart, an idle timeout, a terminated backend) or sent a notice, and only then is the server asked
with Django's own SELECT 1. A connection broken without a word from the server (a cable pulled) looks usable here,
as it did to SELECT 1 until TCP gave up; the query that meets it fails and Django drops the connection after it.
"""

import select

from psycopg import pq

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status != pq.TransactionStatus.IDLE:
            return super().is_usable()
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return super().is_usable() if readable else True
