"""A migrated template test database, copied for each xdist worker.

Migrating an empty database costs ~25 s of CPU (Django renders the model states of every migration), and each
worker used to do it for its own database, all at once, on a machine with fewer cores than workers. Now one
migration makes a template and each worker copies it before pytest-django sets up the worker's database, which then
finds it migrated (keepdb). Each worker still has its own database, deleted at the end of the run.

SQLite: the template is a file in var/ named by a digest of everything a migration's result depends on (the code
under ketnoi/ and config/, the lock file, the installed distributions), so a run whose code is unchanged since the
last one copies it without migrating; any change to that code makes a new one. PostgreSQL: a database made for the
run and dropped at its end; each worker's is `CREATE DATABASE ... TEMPLATE`. The migration runs in a subprocess
that the controller starts as the run begins, while the workers start up and collect; it holds a lock that the
workers wait on. A run without xdist migrates as before.

`python -m tests.template_db NAME` is that migration."""

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ENV = "KETNOI_TEST_DB_TEMPLATE"
ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
_copied: list[bool] = []


def digest() -> str:
    """What the migrated database depends on: the code (migrations, models, what data migrations import) and the
    installed packages (their migrations, Django's)."""
    sha = hashlib.sha256(sys.version.encode())
    for path in sorted([*ROOT.glob("ketnoi/**/*.py"), *ROOT.glob("config/**/*.py"), ROOT / "requirements.lock"]):
        sha.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    sha.update(Path(__file__).read_bytes())
    for name, version in sorted((d.metadata["Name"] or "", d.version) for d in metadata.distributions()):
        sha.update(f"{name}=={version}\n".encode())
    return sha.hexdigest()[:16]


def start(config) -> None:
    """In the controller of an xdist run: the template is there, or a subprocess starts making it."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    VAR.mkdir(exist_ok=True)
    if database["ENGINE"] == "django.db.backends.sqlite3":
        template = str(VAR / f"test-template-{digest()}.sqlite3")
        base, kept = Path(template), True
        if Path(template).exists():
            os.utime(template)
            os.environ[ENV] = f"{template}\n\n"
            return
    elif database["ENGINE"] in ("django.db.backends.postgresql", "ketnoi.core.postgresql"):
        template = f"test_{database['NAME']}_template"
        base, kept = VAR / f"test-{os.getpid()}-{template}", False
    else:
        return
    lock_path, log_path = Path(f"{base}.lock"), Path(f"{base}.log")
    os.environ[ENV] = f"{template}\n{lock_path}\n{log_path}"
    with open(lock_path, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # another run is making this template: the workers wait for it as for ours
        with open(log_path, "w") as log:
            process = subprocess.Popen(  # noqa: S603 - this interpreter running this module
                [sys.executable, "-m", "tests.template_db", template],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(lock.fileno(),),  # the lock is released when the migration exits
            )
    config._ketnoi_template = (process, template, kept, log_path)


def finish(config) -> None:
    """In the controller, at the end of the run (the migration is stopped if the run was cut short)."""
    started = getattr(config, "_ketnoi_template", None)
    if started is None:
        return
    process, template, kept, log_path = started
    if process.poll() is None:
        process.kill()
        process.wait()
    if not kept:
        from pytest_django.plugin import blocking_manager_key

        with config.stash[blocking_manager_key].unblock():
            _drop_postgresql(template)
        Path(f"{log_path.with_suffix('')}.lock").unlink(missing_ok=True)
    if process.returncode == 0:
        log_path.unlink(missing_ok=True)


def copy_for_this_worker() -> bool:
    """In a worker, before its database is set up: wait for the template and copy it to the worker's test database."""
    from django.db import connection

    if not os.environ.get(ENV) or not os.environ.get("PYTEST_XDIST_WORKER"):
        return False
    template, lock_path, log_path = os.environ[ENV].split("\n")
    if lock_path:
        with open(lock_path) as lock:
            fcntl.flock(lock, fcntl.LOCK_SH)  # blocks until the migration has exited
    test_name = connection.settings_dict["TEST"]["NAME"] or f"test_{connection.settings_dict['NAME']}"
    if connection.vendor == "sqlite":
        if not os.path.exists(template):
            raise RuntimeError(f"the template test database was not made:\n{Path(log_path).read_text()}")
        for leftover in (test_name, f"{test_name}-wal", f"{test_name}-shm"):
            if os.path.exists(leftover):
                os.remove(leftover)
        shutil.copyfile(template, test_name)
    else:
        _clone_postgresql(template, test_name, log_path)
    _copied.append(True)
    return True


def copied() -> bool:
    return bool(_copied)


def _clone_postgresql(template: str, test_name: str, log_path: str) -> None:
    from psycopg import errors

    from django.db import connection

    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
        if cursor.fetchone() is None:
            raise RuntimeError(f"the template test database was not made:\n{Path(log_path).read_text()}")
        cursor.execute(f'DROP DATABASE IF EXISTS "{test_name}"')
        for _attempt in range(100):
            try:
                cursor.execute(f'CREATE DATABASE "{test_name}" TEMPLATE "{template}"')
                return
            except errors.ObjectInUse:  # another worker is copying the template at this moment
                time.sleep(0.1)
        raise RuntimeError(f"could not copy the template test database {template}")


def _drop_postgresql(template: str) -> None:
    from django.db import connection

    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{template}"')


def _migrate(template: str) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings_dict = settings.DATABASES["default"]
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        # Made under another name and renamed when complete, so a template that exists is a whole one.
        building = f"{template}.{os.getpid()}"
        settings_dict["NAME"] = connection.settings_dict["NAME"] = building
        call_command("migrate", run_syncdb=True, interactive=False, verbosity=0)
        connection.close()  # the last connection to close checkpoints the write-ahead log into the file
        os.replace(building, template)
        for stale in VAR.glob("test-template-*.sqlite3"):  # templates of older code, unused for an hour
            if str(stale) != template and stale.stat().st_mtime < time.time() - 3600:
                stale.unlink(missing_ok=True)
                Path(f"{stale}.lock").unlink(missing_ok=True)
    else:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{template}"')
            cursor.execute(f'CREATE DATABASE "{template}"')
        settings_dict["NAME"] = connection.settings_dict["NAME"] = template
        call_command("migrate", run_syncdb=True, interactive=False, verbosity=0)
        connection.close()


if __name__ == "__main__":
    _migrate(sys.argv[1])
