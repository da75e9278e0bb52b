"""Where one English word means two things, every use says which (a message context: pgettext, `{% translate "…"
context "…" %}`), so Vietnamese can say each: the dossier state "Received" is "Đã tiếp nhận", the column
"Received" is "Ngày tiếp nhận"; "by" a date is "trước ngày", "by" a person "bởi".

The checks read the catalog that makemessages writes from the code now (the committed one could hide a new bare
use behind an old translation), with each entry's occurrences:
1. AMBIGUOUS lists the English words this code uses in several meanings: none may appear without a context.
2. Roles from the occurrences: the name of a state (declared in a `states.py`) is a role of its own. A msgid without
   context that a `states.py` uses and anything else uses too (a column, an event, a button) serves two roles and
   fails, whatever the word: a new state named like an existing column is caught without updating the list.
"""

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# English words used here in more than one meaning, and the meanings (documentation for whoever adds a use).
AMBIGUOUS = {
    "Received": "a state (đã tiếp nhận), an event, a date or time (ngày/thời điểm nhận), a message direction",
    "by": "before a date (trước ngày), done by a person (bởi), written by (người soạn)",
    "Where": "a workplace (nơi công tác), where an issue is (nơi xảy ra)",
    "Field": "a procedure's field (lĩnh vực), a data field (trường dữ liệu)",
    "Message": "a chat message (tin nhắn), a system's answer (thông điệp), the verb (nhắn tin)",
    "Answer": "a reply to a citizen (trả lời), an API's response code (mã trả về)",
}


@dataclass(frozen=True)
class Entry:
    context: str | None
    msgid: str
    files: frozenset[str]


def entries(po_text: str) -> list[Entry]:
    found = []
    for block in po_text.split("\n\n")[1:]:
        if block.lstrip().startswith("#~"):
            continue
        msgid = re.search(r'^msgid "(.*)"$', block, re.M)
        if not msgid:
            continue
        context = re.search(r'^msgctxt "(.*)"$', block, re.M)
        files = set()
        for line in re.findall(r"^#: (.*)$", block, re.M):
            files.update(ref.rsplit(":", 1)[0] for ref in line.split())
        found.append(Entry(context.group(1) if context else None, msgid.group(1), frozenset(files)))
    return found


def bare_ambiguous(found: list[Entry]) -> list[str]:
    return sorted(e.msgid for e in found if e.context is None and e.msgid in AMBIGUOUS)


def state_names_in_other_roles(found: list[Entry]) -> list[str]:
    """msgids without context used by a states.py (a state's name) and by any other file."""
    problems = []
    for e in found:
        if e.context is not None:
            continue
        states = {f for f in e.files if f.endswith("/states.py")}
        others = e.files - states
        if states and others:
            problems.append(f"{e.msgid!r}: {', '.join(sorted(e.files))}")
    return problems


@pytest.fixture(scope="module")
def current_catalog(tmp_path_factory) -> list[Entry]:
    """makemessages over a copy of the source, so the catalog in the tree is neither read stale nor rewritten."""
    tree = tmp_path_factory.mktemp("source")
    ignore = shutil.ignore_patterns("__pycache__", "*.mo")
    shutil.copytree(ROOT / "ketnoi", tree / "ketnoi", ignore=ignore)
    shutil.copytree(ROOT / "config", tree / "config", ignore=ignore)
    shutil.copy(ROOT / "manage.py", tree / "manage.py")
    env = {k: v for k, v in os.environ.items() if k != "KETNOI_LOCALE_DIR"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "vi", "--no-wrap", "-v0"],
        cwd=tree,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        check=True,
        capture_output=True,
        timeout=300,
    )
    return entries((tree / "ketnoi" / "locale" / "vi" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8"))


def test_words_with_several_meanings_always_say_which(current_catalog):
    assert bare_ambiguous(current_catalog) == [], "use pgettext / {% translate … context … %}; meanings: " + str(
        AMBIGUOUS
    )
    used = {e.msgid for e in current_catalog}
    assert set(AMBIGUOUS) <= used, "a word no longer used: drop it from AMBIGUOUS"


def test_a_state_name_is_not_shared_with_another_role(current_catalog):
    assert state_names_in_other_roles(current_catalog) == []


def test_the_checks_notice_a_bare_ambiguous_word_and_a_state_name_in_two_roles():
    po = (
        'msgid ""\nmsgstr ""\n\n'
        '#: ketnoi/x/templates/list.html:3\nmsgid "Received"\nmsgstr "Thời điểm nhận"\n\n'
        '#: ketnoi/x/states.py:9\nmsgctxt "x state"\nmsgid "Received"\nmsgstr "Đã tiếp nhận"\n\n'
        '#: ketnoi/y/states.py:5 ketnoi/y/templates/y.html:2\nmsgid "Closed"\nmsgstr "Đã đóng"\n\n'
        '#: ketnoi/y/states.py:6 ketnoi/z/states.py:7\nmsgid "the system"\nmsgstr "hệ thống"\n\n'
        '#~ msgid "Field"\n#~ msgstr "Trường"\n'
    )
    found = entries(po)
    assert bare_ambiguous(found) == ["Received"]
    assert state_names_in_other_roles(found) == ["'Closed': ketnoi/y/states.py, ketnoi/y/templates/y.html"]
