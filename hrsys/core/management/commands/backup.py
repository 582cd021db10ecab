"""``manage.py backup``: one archive of the database and the stored files (R-SEC-4; hrsys/core/backup.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hrsys.audit.services import audit_record
from hrsys.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and the (encrypted) stored files into one archive with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("--dest", default=str(Path(settings.VAR_DIR) / "backups"),
                            help="folder the archive is written to (default: var/backups)")
        parser.add_argument("--folder", action="store_true", help="write a folder instead of a .tar.gz")
        parser.add_argument("--keep", type=int, default=None,
                            help="keep only this many archives in --dest, removing the oldest")

    def handle(self, *args, dest, folder, keep, **options):
        if keep is not None and keep < 1:
            raise CommandError("--keep must be at least 1")
        try:
            result = backup_create(destination=Path(dest), folder=folder, keep=keep)
        except BackupError as exc:
            raise CommandError(str(exc))
        manifest = result.manifest
        audit_record(actor="backup", action="system.backup.create", obj=("system.backup", result.path.name))
        self.stdout.write(self.style.SUCCESS(
            f"backup: {result.path} ({len(manifest['row_counts'])} tables, "
            f"{sum(manifest['row_counts'].values())} rows, {len(manifest['files']['items'])} files)"))
        if not manifest["files"]["included"]:
            self.stdout.write(f"backup: stored files are not in the archive: {manifest['files']['note']}")
