"""Python CPU and SQL statements per chat message, in process (#20): a greeting, a dossier code, a free-text question.

Not a benchmark with a target (the budgets are pinned as statement counts in tests/pipeline/test_budgets.py); this
prints time.process_time() per processed message over N messages of each kind, so a change's cost is measured:

    DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/pytest -q -p no:randomly -s tests/pipeline/measure_chat_cpu.py

(add DATABASE_URL=postgres://... for PostgreSQL, CHAT_SHOW_SQL=1 to see the statements). Only the claim-and-process of each stored event is timed.
"""

import os
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.pipeline.chat import GREETING, QUESTION, chat_world, known_person, store

N = int(os.environ.get("CHAT_CPU_MESSAGES", "40"))
SHOW_SQL = bool(os.environ.get("CHAT_SHOW_SQL"))  # print the statements of each kind's last message


def test_cpu_per_chat_message(world, settings):
    from ketnoi.pipeline.claimer import process_next

    settings.NOTICE_TEMPLATE_CACHE_SECONDS = 300
    settings.WORKDAY_CACHE_SECONDS = 300
    settings.PROCEDURE_VOCABULARY_CHECK_SECONDS = 5
    chat = chat_world(world)
    lines = []
    for kind, text in (("greeting", GREETING), ("code", chat.dossier.receipt_code), ("question", QUESTION)):
        people = [known_person(chat, f"9{kind}{i:03d}") for i in range(N)]
        for person in people:
            store(chat, person.user_id, text)
        process_next()  # warm: first use of a code path (imports, caches)
        cpu, statements = 0.0, 0
        for _ in range(N - 1):
            with CaptureQueriesContext(connection) as queries:
                start = time.process_time()
                assert process_next() == "handled"
                cpu += time.process_time() - start
            statements += len(queries)
        if SHOW_SQL:
            lines += [f"  {q['sql'][:160]}" for q in queries.captured_queries]
        lines.append(f"{kind:9} {cpu / (N - 1) * 1000:6.2f} ms CPU  {statements / (N - 1):5.1f} statements")
    print(f"\n{connection.vendor}, {N - 1} messages each, load {os.getloadavg()[0]:.1f}:\n" + "\n".join(lines))  # noqa: T201 - a measurement run by hand
