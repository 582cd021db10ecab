from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hrsys.core.periodic import registered_jobs, run_due_jobs


class Command(BaseCommand):
    help = "Run every registered periodic sweep for one moment (default: now). Beat runs the same every minute."

    def add_arguments(self, parser):
        parser.add_argument("--at", help="ISO-8601 moment, e.g. 2026-11-23T09:00:00+08:00 (naive = Asia/Shanghai)")
        parser.add_argument("--only", action="append", help="run only this job (repeatable)")
        parser.add_argument("--list", action="store_true", help="list the registered jobs and exit")

    def handle(self, *args, at=None, only=None, list=False, **options):
        jobs = registered_jobs()
        if list:
            for name in jobs:
                self.stdout.write(name)
            return
        unknown = sorted(set(only or []) - set(jobs))
        if unknown:
            raise CommandError(f"unknown job(s): {', '.join(unknown)}; registered: {', '.join(jobs) or 'none'}")
        now = timezone.now()
        if at:
            try:
                moment = datetime.fromisoformat(at)
            except ValueError:
                raise CommandError(f"--at {at!r} is not an ISO-8601 date-time (e.g. 2026-11-23T09:00:00+08:00)")
            now = moment if timezone.is_aware(moment) else timezone.make_aware(moment)
        now = now.astimezone(UTC)
        results = run_due_jobs(now=now, only=only, source="command")
        self.stdout.write(f"hr_tick at {now.isoformat()}: {len(results)} job(s)")
        for name, result in results.items():
            self.stdout.write(f"  {name}: {result}")
