"""Backup and restore of the database and the stored files (R-SEC-4; hrsys/core/backup.py).

The PostgreSQL test backs up the test database holding a candidate with a résumé, restores the archive with
``manage.py restore`` in another process into a throwaway database created for it and an empty media folder,
then compares the rows per table and decrypts the restored résumé to the bytes that were uploaded.
"""

import base64
import json
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from candidates.models import Candidate, Resume
from hrsys.crypto import keys
from tests.candidates.factories import CandidateFactory

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n% CV of Wang Fang, nurse, 13800000000\n%%EOF\n"


def _archive(dest: Path) -> Path:
    (archive,) = [p for p in dest.iterdir() if p.name.startswith("hrsys-backup-")]
    return archive


def _manifest(archive: Path) -> dict:
    if archive.is_dir():
        return json.loads((archive / "manifest.json").read_text())
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/manifest.json"))
        return json.loads(tar.extractfile(member).read())


def _env(tmp_path: Path, database_url: str, media: Path) -> dict:
    """Another machine: only environment variables, the same data keys, its own database and media folder."""
    data_keys = ",".join(f"{kid}:{base64.b64encode(key).decode()}" for kid, key in settings.HRSYS_DATA_KEYS.items())
    return {"PATH": "/usr/bin:/bin", "HRSYS_SECRETS_FILE": str(tmp_path / "none.env"),
            "HRSYS_VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "hrsys.settings",
            "SECRET_KEY": "s" * 50, "HRSYS_DATA_KEYS": data_keys,
            "HRSYS_BLIND_INDEX_KEY": base64.b64encode(settings.HRSYS_BLIND_INDEX_KEY).decode(),
            "DATABASE_URL": database_url, "MEDIA_ROOT": str(media), "FILE_STORAGE": "local"}


def _manage(env: dict, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *argv], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def _pg_admin():
    cfg = connection.settings_dict
    conn = psycopg2.connect(dbname="postgres", user=cfg["USER"], host=cfg["HOST"] or "127.0.0.1",
                            port=cfg["PORT"] or 5432, password=cfg.get("PASSWORD") or None)
    conn.autocommit = True
    return conn


@pytest.fixture
def empty_pg_database():
    """A new, empty PostgreSQL database (created, not migrated), dropped afterwards; its URL and a connector."""
    cfg = connection.settings_dict
    name = f"hrsys_restore_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    auth = cfg["USER"] + (f":{cfg['PASSWORD']}" if cfg.get("PASSWORD") else "")
    url = f"postgres://{auth}@{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{name}"

    def connect():
        return psycopg2.connect(dbname=name, user=cfg["USER"], host=cfg["HOST"] or "127.0.0.1",
                                port=cfg["PORT"] or 5432, password=cfg.get("PASSWORD") or None)

    yield url, connect
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def _counts(conn) -> dict:
    with conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        tables = [r[0] for r in cur.fetchall()]
        out = {}
        for t in tables:
            cur.execute(f'SELECT COUNT(*) FROM "{t}"')
            out[t] = cur.fetchone()[0]
    return out


@pytest.fixture
def candidate_with_resume(db):
    candidate = CandidateFactory(name="王芳")
    resume = Resume.objects.create(candidate=candidate, file=ContentFile(PDF, name="cv.pdf"), kind="pdf",
                                   original_name="cv.pdf", size=len(PDF))
    return candidate, resume


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_r_sec_4_postgres_backup_restores_into_an_empty_database_with_the_same_rows_and_files(
        candidate_with_resume, empty_pg_database, tmp_path):
    candidate, resume = candidate_with_resume
    call_command("backup", dest=str(tmp_path / "backups"))
    archive = _archive(tmp_path / "backups")
    assert archive.name.endswith(".tar.gz")
    manifest = _manifest(archive)

    # what the manifest says, and what it never holds: the keys themselves
    assert manifest["database"]["engine"] == "postgresql"
    assert manifest["row_counts"]["candidates_candidate"] == Candidate.objects.count() >= 1
    assert "0001_initial" in manifest["migrations"]["candidates"]
    (item,) = [f for f in manifest["files"]["items"] if f["path"] == resume.file.name]
    stored = (Path(settings.MEDIA_ROOT) / resume.file.name).read_bytes()
    assert item["size"] == len(stored) and item["key_id"] == keys.current_key_id()
    assert manifest["encryption"]["key_ids"] == list(settings.HRSYS_DATA_KEYS)
    text = json.dumps(manifest)
    for key in settings.HRSYS_DATA_KEYS.values():
        assert base64.b64encode(key).decode() not in text
    assert "王芳".encode() not in archive.read_bytes() and PDF not in stored  # ciphertext only

    url, connect = empty_pg_database
    media = tmp_path / "restored-media"
    done = _manage(_env(tmp_path, url, media), "restore", str(archive))
    assert done.returncode == 0, done.stderr[-3000:]

    restored = connect()
    try:
        counts = _counts(restored)
        expected = dict(manifest["row_counts"])
        expected["audit_auditevent"] += 1  # the restore itself is audited after the comparison
        assert counts == expected
        with restored.cursor() as cur:
            cur.execute("SELECT file FROM candidates_resume WHERE id = %s", [resume.pk])
            (name,) = cur.fetchone()
    finally:
        restored.close()
    blob = (media / name).read_bytes()
    assert keys.decrypt_bytes(blob, aad="file:resume") == PDF


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_r_sec_4_restore_refuses_a_database_that_is_not_empty_and_changes_nothing(candidate_with_resume, tmp_path):
    call_command("backup", dest=str(tmp_path / "backups"), folder=True)
    archive = _archive(tmp_path / "backups")
    before = (Candidate.objects.count(), Resume.objects.count())
    files_before = sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*"))
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", str(archive))
    assert (Candidate.objects.count(), Resume.objects.count()) == before
    assert sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*")) == files_before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_r_sec_4_restore_refuses_a_media_folder_that_is_not_empty_and_leaves_the_database_empty(
        candidate_with_resume, empty_pg_database, tmp_path):
    call_command("backup", dest=str(tmp_path / "backups"))
    archive = _archive(tmp_path / "backups")
    url, connect = empty_pg_database
    media = tmp_path / "busy-media"
    media.mkdir()
    (media / "someone-elses.bin").write_bytes(b"x")
    done = _manage(_env(tmp_path, url, media), "restore", str(archive))
    assert done.returncode != 0 and "media folder" in done.stderr and "not empty" in done.stderr
    conn = connect()
    try:
        assert _counts(conn) == {}
    finally:
        conn.close()
    assert [p.name for p in media.iterdir()] == ["someone-elses.bin"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_r_sec_4_a_damaged_archive_is_refused_before_anything_is_loaded(
        candidate_with_resume, empty_pg_database, tmp_path):
    call_command("backup", dest=str(tmp_path / "backups"), folder=True)
    archive = _archive(tmp_path / "backups")
    _candidate, resume = candidate_with_resume
    damaged = archive / "media" / resume.file.name
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"!")
    url, connect = empty_pg_database
    done = _manage(_env(tmp_path, url, tmp_path / "fresh-media"), "restore", str(archive))
    assert done.returncode != 0 and "damaged" in done.stderr
    conn = connect()
    try:
        assert _counts(conn) == {}
    finally:
        conn.close()
    assert not (tmp_path / "fresh-media").exists()


def test_r_sec_4_keep_leaves_only_the_newest_archives(db, tmp_path, settings):
    """``--keep`` prunes the oldest archives of the folder (the scheduled service keeps two weeks)."""
    dest = tmp_path / "backups"
    dest.mkdir()
    for stamp in ("20260101T000000Z", "20260102T000000Z", "20260103T000000Z"):
        (dest / f"hrsys-backup-{stamp}.tar.gz").write_bytes(b"old")
    (dest / "notes.txt").write_text("not an archive")
    call_command("backup", dest=str(dest), keep=2)
    names = sorted(p.name for p in dest.iterdir())
    assert names[0] == "hrsys-backup-20260103T000000Z.tar.gz" and len(names) == 3 and "notes.txt" in names


SEED = """
import json
from django.core.files.base import ContentFile
from candidates.models import Candidate, Resume
c = Candidate.objects.create(name="李娜", phone="+8613800000001", email="li@example.org")
r = Resume.objects.create(candidate=c, file=ContentFile(b"%s", name="cv.pdf"), kind="pdf")
print(json.dumps({"file": r.file.name}))
"""


@pytest.mark.slow
def test_r_sec_4_sqlite_backup_restores_into_a_new_file(tmp_path):
    """The same round trip on SQLite (the online backup API), all in other processes with their own files."""
    source = _env(tmp_path, f"sqlite:///{tmp_path / 'source.sqlite3'}", tmp_path / "media")
    assert _manage(source, "migrate", "--noinput", "-v", "0").returncode == 0
    seeded = subprocess.run([sys.executable, "manage.py", "shell", "-c", SEED % PDF.decode().replace("\n", "\\n")],
                            cwd=ROOT, env=source, capture_output=True, text=True, timeout=120)
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    name = json.loads(seeded.stdout.strip().splitlines()[-1])["file"]
    done = _manage(source, "backup", "--dest", str(tmp_path / "backups"))
    assert done.returncode == 0, done.stderr[-3000:]
    archive = _archive(tmp_path / "backups")
    manifest = _manifest(archive)
    assert manifest["database"]["engine"] == "sqlite" and manifest["row_counts"]["candidates_resume"] == 1

    target = _env(tmp_path, f"sqlite:///{tmp_path / 'restored.sqlite3'}", tmp_path / "restored-media")
    done = _manage(target, "restore", str(archive))
    assert done.returncode == 0, done.stderr[-3000:]
    assert keys.decrypt_bytes((tmp_path / "restored-media" / name).read_bytes(), aad="file:resume") == PDF
    again = _manage(target, "restore", str(archive))  # now it is not empty any more
    assert again.returncode != 0 and "is not empty" in again.stderr
