"""``manage.py restore <archive>``: load a backup into an empty database and media folder (R-SEC-4)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hrsys.audit.services import audit_record
from hrsys.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = ("Restore a backup (folder or .tar.gz from `manage.py backup`) into an EMPTY database (created, not "
            "migrated) and an empty or missing MEDIA_ROOT; refuses otherwise and changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the backup folder or .tar.gz")

    def handle(self, *args, archive, **options):
        try:
            manifest = backup_restore(archive=Path(archive))
        except BackupError as exc:
            raise CommandError(str(exc))
        audit_record(actor="backup", action="system.backup.restore", obj=("system.backup", Path(archive).name),
                     reason=f"backup of {manifest['created_at']}")
        self.stdout.write(self.style.SUCCESS(
            f"restore: {Path(archive).name} of {manifest['created_at']}: {len(manifest['row_counts'])} tables and "
            f"{len(manifest['files']['items'])} files restored; row counts match the manifest"))
