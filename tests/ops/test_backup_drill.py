"""The restore drill CI runs: `manage.py backup` (pg_dump, or SQLite's backup), a restore into a new database as
docs/operations.md says (pg_restore into a fresh database; the SQLite file copied), then `manage.py backup_verify`
against it: same row counts and migrations, encrypted values readable. The decrypted ID number and channel token
read from the restored database are the originals; the uploaded file comes back byte for byte. With another key
the drill fails, as it must."""

import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from django.conf import settings
from django.db import connection

from ketnoi.channels.models import Channel

from .processes import manage

pytestmark = pytest.mark.django_db(transaction=True)

READ_BACK = (
    "from ketnoi.dossiers.models import Dossier; from ketnoi.dossiers.protect import reveal_id_number; "
    "from ketnoi.channels.models import Channel; "
    "d = Dossier.objects.get(receipt_code='{code}'); c = Channel.objects.get(name='Drill OA'); "
    "print(reveal_id_number(d.applicant_id_encrypted), c.secrets['access_token'], Dossier.objects.count())"
)


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    process = manage(*args, env=env, stderr=subprocess.PIPE, text=True)
    out, err = process.communicate(timeout=600)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.fixture
def restored_database(tmp_path):
    """Where the restore goes, and how: the commands docs/operations.md gives, for this database."""
    made = []

    def restore(folder: Path) -> str:
        manifest = json.loads((folder / "manifest.json").read_text())
        db = connection.settings_dict
        if connection.vendor == "sqlite":
            target = tmp_path / "restored.sqlite3"
            shutil.copy(folder / manifest["database_file"], target)
            return f"sqlite:///{target}"
        name = f"{db['NAME']}_restored"[:63]
        server = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432), "-U", db["USER"]]
        subprocess.run(["dropdb", "--if-exists", *server, name], check=True)  # noqa: S603, S607
        subprocess.run(["createdb", *server, name], check=True)  # noqa: S603, S607
        made.append((server, name))
        restore = ["pg_restore", "--no-owner", "--exit-on-error", *server, "-d", name, str(folder / "database.dump")]
        subprocess.run(restore, check=True, timeout=600)  # noqa: S603
        return f"postgres://{db['USER']}@{server[1]}:{server[3]}/{name}"

    yield restore
    for server, name in made:
        subprocess.run(["dropdb", "--if-exists", *server, name], check=False)  # noqa: S603, S607


def test_backup_restore_and_verify(receive, tmp_path, restored_database):
    dossier = receive(applicant_id_number="079203001234")
    channel = Channel.objects.create(unit=dossier.unit, type_code="zalo", name="Drill OA", external_id="oa-drill")
    channel.set_secrets({"access_token": "drill-token-42"})
    channel.save()
    upload = Path(settings.MEDIA_ROOT) / "drill" / "giay-to.pdf"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_bytes(b"%PDF-1.4 drill " + bytes(range(256)))

    made = run("backup", "--output", str(tmp_path / "backups"))
    assert made.returncode == 0, made.stderr
    assert "FIELD_ENCRYPTION_KEY" in made.stdout  # the checklist: the key is not in the backup
    folder = next((tmp_path / "backups").iterdir())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["counts"]["dossiers_dossier"] >= 1 and manifest["database_file"]
    assert settings.FIELD_ENCRYPTION_KEY not in (folder / "manifest.json").read_text()

    url = restored_database(folder)
    verified = run("backup_verify", str(folder / "manifest.json"), env={"DATABASE_URL": url})
    assert verified.returncode == 0, verified.stderr
    assert "Restore verified" in verified.stdout

    read = run("shell", "-c", READ_BACK.format(code=dossier.receipt_code), env={"DATABASE_URL": url})
    assert read.returncode == 0, read.stderr
    assert read.stdout.splitlines()[-1].split() == ["079203001234", "drill-token-42", "1"]

    with tarfile.open(folder / "media.tar.gz") as archive:
        member = archive.extractfile("media/drill/giay-to.pdf")
        assert member.read() == upload.read_bytes()

    wrong_key = run(
        "backup_verify", str(folder / "manifest.json"), env={"DATABASE_URL": url, "FIELD_ENCRYPTION_KEY": "x" * 40}
    )
    assert wrong_key.returncode != 0
    assert "not configured here" in wrong_key.stderr and "cannot be decrypted" in wrong_key.stderr
