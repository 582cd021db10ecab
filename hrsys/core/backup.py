"""Backup and restore of the database and the stored files (R-SEC-4).

``manage.py backup`` writes one archive, ``hrsys-backup-<UTC stamp>.tar.gz`` (or a folder with ``--folder``):

* ``database.dump``: ``pg_dump --format=custom`` for PostgreSQL, or ``database.sqlite3``, a copy made with
  SQLite's online backup API (consistent while the web and the worker keep writing);
* ``media/``: the stored files as they lie on disk (``FILE_STORAGE=local``), i.e. still AES-256-GCM ciphertext
  (hrsys/crypto/storage.py): the archive holds no personal data in clear, for files as for encrypted columns;
* ``manifest.json``: when, the migrations applied per app, the rows per table, every file with its size and
  sha256, and the *ids* of the data keys (never the keys: without ``HRSYS_DATA_KEYS`` and
  ``HRSYS_BLIND_INDEX_KEY`` the archive is unreadable, which is why the keys are kept apart from it).

For PostgreSQL the row counts and the migration state are read in the very snapshot ``pg_dump`` dumps
(``pg_export_snapshot`` + ``pg_dump --snapshot``), so the manifest describes exactly the dump even while
people keep working; for SQLite they are read from the copy itself.

With ``FILE_STORAGE=s3`` the files stay in the bucket, which is backed up by its own versioning (and, for a
second site, ``mc mirror``): the manifest says so instead of listing them (README "Backup and restore").

``manage.py restore <archive>`` checks every checksum first, then loads into an *empty* database (no tables:
created, not migrated) and an empty or missing media folder; anything else is refused with an error and
nothing is changed. PostgreSQL is restored in one transaction (``pg_restore --single-transaction``), the files
are copied beside the media folder and moved into place only after the database is in, and the rows per table
are compared with the manifest at the end.

Why not django-dbbackup (5.x, available): it writes the database and the media as two separate artefacts with
no common manifest, has no "only into an empty database" guard, reads the media through the default storage
rather than our encrypted one, and would still have needed the snapshot-consistent counts and the checks
around it. What remains is ``pg_dump``/``pg_restore`` and ``sqlite3.Connection.backup`` -- a few calls each --
so writing it here was simpler than adapting it, and there is one dependency fewer.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection

from hrsys.crypto import keys

FORMAT = "hrsys-backup-1"
MANIFEST = "manifest.json"
MEDIA_DIR = "media"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
PREFIX = "hrsys-backup-"


class BackupError(Exception):
    """A backup or a restore could not be done; the message says why and what to do."""


@dataclass
class Result:
    path: Path
    manifest: dict


# -- helpers shared by both directions ----------------------------------------------------------------------

def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"backups support PostgreSQL and SQLite, not {vendor}")
    return vendor


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env() -> dict:
    cfg = connection.settings_dict
    env = {**os.environ, "PGDATABASE": cfg["NAME"], "PGUSER": cfg.get("USER") or "",
           "PGHOST": cfg.get("HOST") or "", "PGPORT": str(cfg.get("PORT") or "")}
    if cfg.get("PASSWORD"):
        env["PGPASSWORD"] = cfg["PASSWORD"]
    sslmode = (cfg.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return {k: v for k, v in env.items() if v != ""}


def _run(argv: list[str], env: dict) -> None:
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
    except FileNotFoundError:
        raise BackupError(f"{argv[0]} is not installed (apt-get install postgresql-client)")
    if done.returncode != 0:
        raise BackupError(f"{argv[0]} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _tables(cur, vendor: str) -> list[str]:
    if vendor == "postgresql":
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    else:
        cur.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [row[0] for row in cur.fetchall()]


def _describe(cur, vendor: str) -> tuple[dict, dict]:
    """(rows per table, migrations applied per app) as ``cur`` sees the database."""
    quote = connection.ops.quote_name
    counts = {}
    for table in _tables(cur, vendor):
        cur.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - a table name read from the catalogue
        counts[table] = cur.fetchone()[0]
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in counts:
        cur.execute("SELECT app, name FROM django_migrations ORDER BY app, id")
        for app, name in cur.fetchall():
            migrations.setdefault(app, []).append(name)
    return counts, migrations


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _local_files() -> bool:
    return settings.FILE_STORAGE == "local"


# -- backup ----------------------------------------------------------------------------------------------

def _dump_postgresql(target: Path) -> tuple[dict, dict]:
    """``pg_dump`` of one snapshot, and the counts and migrations of that same snapshot."""
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = True
        with raw.cursor() as cur:
            cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                  f"--file={target}"], _pg_env())
            described = _describe(cur, "postgresql")
            cur.execute("ROLLBACK")
        return described
    finally:
        raw.close()


def _dump_sqlite(target: Path) -> tuple[dict, dict]:
    source = sqlite3.connect(connection.settings_dict["NAME"])
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        cur = copy.cursor()
        return _describe(cur, "sqlite")
    finally:
        copy.close()
        source.close()


def _copy_media(target: Path) -> list[dict]:
    root = _media_root()
    files = []
    if not root.is_dir():
        return files
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        if relative.endswith(".rotating"):
            continue  # a key rotation's temporary file (hrsys/crypto/storage.py)
        dest = target / relative
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
        with open(dest, "rb") as fh:
            head = fh.read(64)
        try:
            key_id = keys.binary_key_id(head)
        except (keys.DecryptionError, UnicodeDecodeError, IndexError):
            key_id = ""  # not one of our encrypted files (something else left in the media folder)
        files.append({"path": relative, "size": dest.stat().st_size, "sha256": _sha256(dest), "key_id": key_id})
    return files


def backup_create(*, destination: Path, folder: bool = False, keep: int | None = None, now=None) -> Result:
    """Write one archive of the database and the stored files into ``destination`` (R-SEC-4).

    The archive appears under its final name only when it is complete (written as ``.partial``, then renamed),
    so the newest archive in the folder is always a whole one. ``keep``: how many archives to leave in the
    folder, oldest removed first.
    """
    vendor = _engine()
    now = now or datetime.now(UTC)
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    name = f"{PREFIX}{now.strftime('%Y%m%dT%H%M%SZ')}"
    work = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".partial", dir=destination))
    try:
        db_file = work / (PG_DUMP if vendor == "postgresql" else SQLITE_COPY)
        counts, migrations = (_dump_postgresql if vendor == "postgresql" else _dump_sqlite)(db_file)
        if _local_files():
            files = {"storage": "local", "included": True, "items": _copy_media(work / MEDIA_DIR)}
        else:
            files = {"storage": settings.FILE_STORAGE, "included": False, "items": [],
                     "note": "files stay in the bucket, backed up by its own versioning (README: Backup and restore)"}
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "database": {"engine": vendor, "file": db_file.name, "size": db_file.stat().st_size,
                         "sha256": _sha256(db_file)},
            "migrations": migrations,
            "row_counts": counts,
            "files": files,
            # ids only: the keys themselves never go into a backup
            "encryption": {"current_key_id": keys.current_key_id(), "key_ids": list(settings.HRSYS_DATA_KEYS),
                           "file_key_ids": sorted({f["key_id"] for f in files["items"] if f.get("key_id")})},
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        if folder:
            final = destination / name
            os.replace(work, final)
        else:
            final = destination / f"{name}.tar.gz"
            partial = destination / f".{name}.tar.gz.partial"
            with tarfile.open(partial, "w:gz") as tar:
                tar.add(work, arcname=name)
            os.replace(partial, final)
            shutil.rmtree(work)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    if keep:
        _prune(destination, keep)
    return Result(final, manifest)


def _prune(destination: Path, keep: int) -> None:
    archives = sorted(p for p in destination.iterdir() if p.name.startswith(PREFIX))
    for old in archives[:-keep]:
        if old.is_dir():
            shutil.rmtree(old)
        else:
            old.unlink()


# -- restore ---------------------------------------------------------------------------------------------

def _open_archive(archive: Path, scratch: Path) -> Path:
    """The folder holding ``manifest.json``: ``archive`` itself, or where its tarball was unpacked."""
    if archive.is_dir():
        root = archive
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tar:
            tar.extractall(scratch, filter="data")  # "data": no absolute paths, links or devices
        entries = list(scratch.iterdir())
        root = entries[0] if len(entries) == 1 and entries[0].is_dir() else scratch
    else:
        raise BackupError(f"{archive} is neither a backup folder nor a backup tarball")
    if not (root / MANIFEST).is_file():
        raise BackupError(f"{archive} has no {MANIFEST}: not an hrsys backup")
    return root


def _verify(root: Path, manifest: dict) -> None:
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r} (expected {FORMAT})")
    db = manifest["database"]
    if db["engine"] != _engine():
        raise BackupError(f"the backup is of a {db['engine']} database; this one is {_engine()}")
    if _sha256(root / db["file"]) != db["sha256"]:
        raise BackupError(f"{db['file']} does not match its checksum: the archive is damaged")
    for item in manifest["files"]["items"]:
        path = root / MEDIA_DIR / item["path"]
        if not path.is_file() or _sha256(path) != item["sha256"]:
            raise BackupError(f"stored file {item['path']} is missing or damaged in the archive")
    missing = sorted(set(manifest["encryption"].get("file_key_ids", [])) - set(settings.HRSYS_DATA_KEYS))
    if missing:
        raise BackupError(f"HRSYS_DATA_KEYS lacks key id(s) {', '.join(missing)} the files are encrypted with; "
                          "configure the keys kept with the backup's key record before restoring")


def _refuse_unless_empty(manifest: dict) -> None:
    with connection.cursor() as cur:
        tables = _tables(cur, _engine())
    if tables:
        raise BackupError(
            f"the database {connection.settings_dict['NAME']} is not empty ({len(tables)} tables); restore only "
            "into a new, empty database (created, not migrated). Nothing was changed.")
    root = _media_root()
    if manifest["files"]["included"] and root.exists() and any(root.iterdir()):
        raise BackupError(f"the media folder {root} is not empty; restore only into an empty or missing folder. "
                          "Nothing was changed.")


def _load_postgresql(dump: Path) -> None:
    _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          f"--dbname={connection.settings_dict['NAME']}", str(dump)], _pg_env())


def _load_sqlite(copy: Path) -> None:
    source = sqlite3.connect(copy)
    target = sqlite3.connect(connection.settings_dict["NAME"])
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def backup_restore(*, archive: Path) -> dict:
    """Load ``archive`` into the empty database and media folder configured here (R-SEC-4); the manifest."""
    archive = Path(archive)
    if not archive.exists():
        raise BackupError(f"{archive} does not exist")
    with tempfile.TemporaryDirectory(prefix="hrsys-restore-") as scratch:
        root = _open_archive(archive, Path(scratch))
        manifest = json.loads((root / MANIFEST).read_text())
        _verify(root, manifest)
        _refuse_unless_empty(manifest)
        media = _media_root()
        staging = None
        if manifest["files"]["included"]:
            media.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{media.name}.restoring-", dir=media.parent))
            if (root / MEDIA_DIR).is_dir():
                shutil.copytree(root / MEDIA_DIR, staging, dirs_exist_ok=True)
        try:
            connection.close()  # the restore runs in its own process or connection; ours re-opens after
            db_file = root / manifest["database"]["file"]
            (_load_postgresql if manifest["database"]["engine"] == "postgresql" else _load_sqlite)(db_file)
        except BaseException:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
            raise
        if staging is not None:
            if media.exists():
                media.rmdir()  # empty: checked above
            os.replace(staging, media)
    connection.close()
    with connection.cursor() as cur:
        counts, _migrations = _describe(cur, _engine())
    expected = manifest["row_counts"]
    wrong = {t: (n, counts.get(t)) for t, n in expected.items() if counts.get(t) != n}
    if wrong:
        raise BackupError(f"restored, but the rows differ from the manifest: {wrong}")
    return manifest
