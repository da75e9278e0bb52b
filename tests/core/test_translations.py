"""Vietnamese first: every string the code and templates show has a Vietnamese translation in ketnoi/locale."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "ketnoi" / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def untranslated(po_text: str) -> list[str]:
    """msgids (after the header) whose msgstr, or any plural form, is empty, or that are marked fuzzy.
    A multi-line string starts with an empty `""` and goes on in the next lines: that is not empty."""
    missing = []
    for block in po_text.split("\n\n")[1:]:
        msgid = re.search(r'^msgid ("(?:.*)"(?:\n".*")*)$', block, re.M)
        if not msgid or block.startswith("#~"):
            continue
        empty = re.search(r'^msgstr(\[\d\])? ""(\n(?!")|\Z)', block, re.M)
        if empty or re.search(r"^#,.*fuzzy", block, re.M):
            missing.append("".join(re.findall(r'^"?(.*)"$', msgid.group(1), re.M)))
    return missing


def test_every_string_in_the_code_has_a_vietnamese_translation(tmp_path):
    """makemessages runs over a copy of the source: in the tree it would rewrite the tracked catalog, and the
    `.html.py` files it writes beside each template for a moment were read by tests running alongside that walk
    ketnoi/ (tests/core/test_writes_in_services.py failed on one)."""
    before = CATALOG.read_bytes()
    ignore = shutil.ignore_patterns("__pycache__", "*.mo")
    shutil.copytree(ROOT / "ketnoi", tmp_path / "ketnoi", ignore=ignore)
    shutil.copytree(ROOT / "config", tmp_path / "config", ignore=ignore)
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    env = {k: v for k, v in os.environ.items() if k != "KETNOI_LOCALE_DIR"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "vi", "--no-wrap", "-v0"],
        cwd=tmp_path,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert CATALOG.read_bytes() == before, "the check rewrote the tracked catalog"
    catalog = tmp_path / "ketnoi" / "locale" / "vi" / "LC_MESSAGES" / "django.po"
    missing = untranslated(catalog.read_text(encoding="utf-8"))
    assert not missing, f"{len(missing)} strings without a Vietnamese translation in {CATALOG}: {missing[:20]}"


def test_the_checker_notices_a_missing_translation():
    po = 'msgid ""\nmsgstr ""\n\nmsgid "Hello"\nmsgstr ""\n\nmsgid "Bye"\nmsgstr "Tạm biệt"\n'
    assert untranslated(po) == ["Hello"]


def test_the_checker_reads_multi_line_strings():
    po = (
        'msgid ""\nmsgstr ""\n\n'
        'msgid ""\n"Line one\\n"\n"line two"\nmsgstr ""\n"Dòng một\\n"\n"dòng hai"\n\n'
        'msgid ""\n"Left\\n"\n"out"\nmsgstr ""\n\n'
        'msgid "One"\nmsgid_plural "Many"\nmsgstr[0] ""\n'
    )
    assert untranslated(po) == ["Left\\nout", "One"]
