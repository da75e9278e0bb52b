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
    """makemessages runs against a copy of the catalog (KETNOI_LOCALE_DIR). Its walk of the tree would also find
    ketnoi/locale and put it first for every file under ketnoi/, rewriting the tracked catalog: so it is ignored."""
    before = CATALOG.read_bytes()
    locale = tmp_path / "locale"
    (locale / "vi" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(CATALOG, locale / "vi" / "LC_MESSAGES" / "django.po")
    env = {**os.environ, "KETNOI_LOCALE_DIR": str(locale), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "vi",
            "--no-wrap",
            "-v0",
            "--ignore=.venv",
            "--ignore=var",
            "--ignore=tests",
            "--ignore=bench",
            "--ignore=ketnoi/locale",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert CATALOG.read_bytes() == before, "the check rewrote the tracked catalog"
    missing = untranslated((locale / "vi" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8"))
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
