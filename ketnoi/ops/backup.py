"""Backups: the database (pg_dump's custom format, or SQLite's own backup), the uploaded files when they are on
this machine's disk, and a manifest (row counts of every table, the migrations applied, a fingerprint of the
encryption key). The keys are never in a backup: a backup is useless without FIELD_ENCRYPTION_KEY, which is kept
in the province's password vault (docs/operations.md, "Backup and restore").

`manage.py backup_verify <manifest>` run against a restored database is the restore drill: the same row counts,
the same migrations, and the encrypted values readable with the configured keys.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from ketnoi.core.crypto import encryption_keys

from .keys import ENCRYPTED_FIELDS, decryptable_sample


def key_fingerprint(key: str) -> str:
    """Says which key a backup needs without revealing it."""
    return hashlib.sha256(("ketnoi-key-fingerprint:" + key).encode()).hexdigest()[:16]


def table_counts() -> dict[str, int]:
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy and meta.db_table not in counts:
            counts[meta.db_table] = model._base_manager.count()
    return dict(sorted(counts.items()))


def applied_migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


def _pg_env_and_args() -> tuple[dict[str, str], list[str]]:
    db = connection.settings_dict
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = ["-h", str(db.get("HOST") or "127.0.0.1"), "-p", str(db.get("PORT") or 5432), "-U", str(db["USER"])]
    return env, args


def dump_database(target: Path) -> tuple[Path, dict[str, int], dict[str, str]]:
    """The dump, and the row counts and migrations of exactly what it holds (the processes keep writing meanwhile:
    PostgreSQL counts in the snapshot pg_dump then uses; SQLite counts the copy)."""
    if connection.vendor == "postgresql":
        env, args = _pg_env_and_args()
        path = target / "database.dump"
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts, migrations = table_counts(), applied_migrations()
            command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", *args]
            command += ["-f", str(path), connection.settings_dict["NAME"]]
            subprocess.run(command, env=env, check=True, timeout=6 * 3600)  # noqa: S603
        return path, counts, migrations
    if connection.vendor == "sqlite":
        path = target / "database.sqlite3"
        source = sqlite3.connect(str(connection.settings_dict["NAME"]))
        copy = sqlite3.connect(str(path))
        with copy:
            source.backup(copy)
        source.close()
        tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        counts = {
            table: copy.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608 - our own table names
            for table in table_counts()
            if table in tables
        }
        latest: dict[str, str] = {}
        for app, name in copy.execute("SELECT app, name FROM django_migrations"):
            latest[app] = max(latest.get(app, ""), name)
        copy.close()
        return path, counts, dict(sorted(latest.items()))
    raise RuntimeError(f"No backup for a {connection.vendor} database.")


def archive_media(target: Path) -> Path | None:
    """Uploads on local disk; an S3 bucket is kept by the store's own versioning or replication."""
    root = Path(settings.MEDIA_ROOT)
    if getattr(settings, "FILE_STORAGE", "local") != "local" or not root.is_dir():
        return None
    path = target / "media.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        archive.add(root, arcname="media")
    return path


def backup(output: Path) -> Path:
    """A new folder under `output` with the dump, the media and the manifest; returns the folder."""
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    target = Path(output) / f"ketnoi-{stamp}"
    target.mkdir(parents=True, exist_ok=False)
    try:
        dump, counts, migrations = dump_database(target)
        manifest = {
            "created_at": timezone.now().isoformat(),
            "database": connection.vendor,
            "database_file": dump.name,
            "counts": counts,
            "migrations": migrations,
            "field_encryption_key": key_fingerprint(settings.FIELD_ENCRYPTION_KEY),
            "file_storage": getattr(settings, "FILE_STORAGE", "local"),
        }
        media = archive_media(target)
        manifest["media_file"] = media.name if media else ""
        (target / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target


def verify(manifest: dict) -> list[str]:
    """What differs between this (restored) database and the backup's manifest; empty when the drill passes."""
    problems = []
    counts = table_counts()
    for table, expected in manifest["counts"].items():
        if counts.get(table) != expected:
            problems.append(f"{table}: {counts.get(table)} rows, the backup had {expected}")
    if applied_migrations() != manifest["migrations"]:
        problems.append("the migrations applied differ from the backup's")
    fingerprints = {key_fingerprint(key) for key in encryption_keys()}
    if manifest["field_encryption_key"] not in fingerprints:
        problems.append("the backup was encrypted with a FIELD_ENCRYPTION_KEY that is not configured here")
    for spec in ENCRYPTED_FIELDS:
        checked, readable = decryptable_sample(spec)
        if readable < checked:
            problems.append(f"{spec.label}: {checked - readable} of {checked} values cannot be decrypted")
    return problems
