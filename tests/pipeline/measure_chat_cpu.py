"""Python CPU and SQL statements per chat message, in process (#20): a greeting, a dossier code, a free-text question.

Not a benchmark with a target (the budgets are pinned as statement and call counts in tests/pipeline/test_budgets.py);
this prints time.process_time() per processed message over N messages of each kind, so a change's cost is measured:

    DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/pytest -q -p no:randomly -s tests/pipeline/measure_chat_cpu.py

(add DATABASE_URL=postgres://... for PostgreSQL, CHAT_SHOW_SQL=1 to see the statements, CHAT_PROFILE=DIR to write a
cProfile file per kind into DIR, CHAT_CAPTURE=1 to count with CaptureQueriesContext, CHAT_COLD_WORDS=1 to have the
keyword matching forget the words it has seen before each message, as for a message of words never seen). Only the claim-and-process of each stored event is timed. Statements are counted by
a bare execute wrapper, not CaptureQueriesContext: that one's debug cursor (timing, SQL formatting, logging) costs
about 0.1 ms per statement, which is more than a tenth of the budget it would measure.
"""

import cProfile
import os
import time
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.pipeline.chat import GREETING, QUESTION, chat_world, known_person, store

N = int(os.environ.get("CHAT_CPU_MESSAGES", "40"))
SHOW_SQL = bool(os.environ.get("CHAT_SHOW_SQL"))  # print the statements of each kind's last message
PROFILE = os.environ.get("CHAT_PROFILE", "")
COLD_WORDS = bool(os.environ.get("CHAT_COLD_WORDS"))  # forget the words seen (as for a message of new words)
CAPTURE = bool(os.environ.get("CHAT_CAPTURE"))  # count with CaptureQueriesContext instead (to see what it costs)


class _Count:
    """The statements sent, without transaction control (as test_budgets counts them)."""

    def __init__(self):
        self.sql: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.sql.append(sql)
        return execute(sql, params, many, context)


def test_cpu_per_chat_message(world, settings):
    from ketnoi.conversations.registry import vocabulary
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
        cpu, statements, count = 0.0, 0, _Count()
        profile = cProfile.Profile() if PROFILE else None
        for _ in range(N - 1):
            count.sql.clear()
            if COLD_WORDS:
                vocabulary().seen.clear()
            with CaptureQueriesContext(connection) if CAPTURE else connection.execute_wrapper(count) as captured:
                if profile:
                    profile.enable()
                start = time.process_time()
                handled = process_next()
                cpu += time.process_time() - start
                if profile:
                    profile.disable()
            assert handled == "handled"
            if CAPTURE:
                count.sql = [q["sql"] for q in captured.captured_queries]
            statements += len(count.sql)
        if profile:
            Path(PROFILE).mkdir(parents=True, exist_ok=True)
            profile.dump_stats(f"{PROFILE}/{connection.vendor}-{kind}.prof")
        if SHOW_SQL:
            lines += [f"  {sql[:160]}" for sql in count.sql]
        lines.append(f"{kind:9} {cpu / (N - 1) * 1000:6.2f} ms CPU  {statements / (N - 1):5.1f} statements")
    how = "CaptureQueriesContext" if CAPTURE else "an execute wrapper"
    print(  # noqa: T201 - a measurement run by hand
        f"\n{connection.vendor}, {N - 1} messages each, statements counted by {how}, load {os.getloadavg()[0]:.2f}:\n"
        + "\n".join(lines)
    )
