"""docs/operations.md lists every environment variable the code reads, each with its default, and every variable
of the sample environment file; the sample parses and names only variables that exist."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
READ = re.compile(
    r"""(?:env_str|env_int|env_bool|env_list|env_float)\(\s*["']([A-Z0-9_]+)["']"""
    r"""|os\.environ(?:\.get|\.setdefault)?[\[(]\s*["']([A-Z0-9_]+)["']"""
    r"""|os\.getenv\(\s*["']([A-Z0-9_]+)["']"""
)


def variables_read_by_the_code() -> set[str]:
    names: set[str] = set()
    files = [*ROOT.joinpath("config").rglob("*.py"), *ROOT.joinpath("ketnoi").rglob("*.py")]
    for path in [*files, ROOT / "manage.py", ROOT / "gunicorn.conf.py"]:
        for match in READ.finditer(path.read_text()):
            names.add(next(group for group in match.groups() if group))
    from config.settings import base

    names.update(base.ENV_TUNABLE)  # read in a loop
    names.update(f"PORTAL_{name}" for name in base.PORTAL_RATE_LIMITS)  # read under a prefix
    return names


def documented() -> dict[str, str]:
    """variable -> its default column, from the tables of docs/operations.md."""
    rows = {}
    for line in (ROOT / "docs" / "operations.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"`[A-Z0-9_]+`", cells[0]):
            rows[cells[0].strip("`")] = cells[1]
    return rows


def test_every_environment_variable_is_documented_with_its_default():
    read, docs = variables_read_by_the_code(), documented()
    assert len(read) > 100  # the scan does find them
    missing = sorted(read - set(docs))
    assert not missing, f"Environment variables missing from docs/operations.md: {missing}"
    without_default = sorted(name for name in read if not docs[name])
    assert not without_default, f"Documented without a default: {without_default}"
    stale = sorted(set(docs) - read)
    assert not stale, f"Documented but read nowhere: {stale}"


def test_the_sample_environment_names_only_real_variables():
    sample = [
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in (ROOT / "deploy" / "ketnoi.env.sample").read_text().splitlines()
        if re.match(r"^#? ?[A-Z][A-Z0-9_]+=", line)
    ]
    assert "FIELD_ENCRYPTION_KEY" in sample and "CACHE_URL" in sample
    assert set(sample) <= variables_read_by_the_code(), set(sample) - variables_read_by_the_code()
