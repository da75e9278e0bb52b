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
    """msgids (after the header) whose msgstr, or any plural form, is empty, or that are marked fuzzy."""
    missing = []
    for block in po_text.split("\n\n")[1:]:
        msgid = re.search(r'^msgid "(.*)"$', block, re.M)
        if not msgid or block.startswith("#~"):
            continue
        empty = re.search(r'^msgstr(\[\d\])? ""$', block, re.M)
        if empty or re.search(r"^#,.*fuzzy", block, re.M):
            missing.append(msgid.group(1))
    return missing


def test_every_string_in_the_code_has_a_vietnamese_translation(tmp_path):
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
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    missing = untranslated((locale / "vi" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8"))
    assert not missing, f"{len(missing)} strings without a Vietnamese translation in {CATALOG}: {missing[:20]}"


def test_the_checker_notices_a_missing_translation():
    po = 'msgid ""\nmsgstr ""\n\nmsgid "Hello"\nmsgstr ""\n\nmsgid "Bye"\nmsgstr "Tạm biệt"\n'
    assert untranslated(po) == ["Hello"]
