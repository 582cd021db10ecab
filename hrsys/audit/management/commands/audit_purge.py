"""``manage.py audit_purge [--older-than-days N]``: delete audit and access-log rows older than N days
(default and minimum: AUDIT_RETENTION_DAYS, never under 180; R-SEC-9)."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hrsys.audit.services import audit_logs_purge


class Command(BaseCommand):
    help = "Delete audit and access-log rows older than the retention period (at least 180 days)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, default=settings.AUDIT_RETENTION_DAYS)

    def handle(self, *args, older_than_days: int, **options):
        before = timezone.now() - timedelta(days=older_than_days)
        try:
            counts = audit_logs_purge(actor="audit_purge", before=before)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.message_dict["before"])) from exc
        self.stdout.write(f"deleted {counts['audit_events']} audit events and {counts['access_log']} access-log rows "
                          f"older than {before:%Y-%m-%d %H:%M}")
