"""Benchmark of the notification outbox with a real Celery worker (R-INT-3, R-NS-3).

N due notifications (default 10,000) go through the dispatch sweep and a real
``celery worker`` process, once with the console SMS backend and once with the
real ``twilio`` client against the local fake Twilio server of the tests. Prints
throughput, duplicates (must be 0) and lost messages (must be 0); exits 1 otherwise.

    .venv/bin/python benchmarks/notifications.py                      # SQLite file + filesystem broker
    REDIS_URL=redis://127.0.0.1:6379/0 \\
    BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/hrsys_bench_notif .venv/bin/python benchmarks/notifications.py

The database named by BENCH_DATABASE_URL is migrated (created on PostgreSQL when
missing); the default is a fresh SQLite file var/bench-notifications.sqlite3.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from bench_db import fresh_database  # benchmarks/, next to this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--backends", default="console,twilio")
    args = parser.parse_args()

    db_url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-notifications.sqlite3'}")
    fresh_database(db_url)
    broker_dir = Path(tempfile.mkdtemp(prefix="bench-broker-"))
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    os.environ.update(DATABASE_URL=db_url, HRSYS_QUEUE=queue, HRSYS_BROKER_DIR=str(broker_dir),
                      DJANGO_SETTINGS_MODULE="hrsys.settings", LOG_LEVEL="WARNING")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from notifications.models import DeliveryAttempt, Notification, Status
    from notifications.services import notification_create, notification_dispatch_due
    from notifications.types import Recipient
    from tests.notifications.fake_twilio import FakeTwilio

    call_command("migrate", verbosity=0)
    broker = "redis" if settings.REDIS_URL else "filesystem"
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}  broker: {broker}  "
          f"worker concurrency: {args.concurrency}  notifications per backend: {args.count}")
    ok = True
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        fake = FakeTwilio().start() if backend == "twilio" else None
        run = uuid.uuid4().hex[:8]
        env = {**os.environ, "SMS_BACKEND": backend, "HRSYS_TESTING": "0"}
        if fake:
            env.update(TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_AUTH_TOKEN="bench", TWILIO_API_BASE=fake.url,
                       TWILIO_FROM_NUMBER="+15005550006")
        log = open(broker_dir / f"worker-{backend}.log", "wb")
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "hrsys", "worker", "--loglevel", "WARNING", "--concurrency",
             str(args.concurrency), "--queues", queue, "--without-gossip", "--without-mingle",
             "--hostname", f"{queue}-{backend}@%h"],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            later = timezone.now() + timezone.timedelta(days=1)
            t0 = time.perf_counter()
            with transaction.atomic():
                for i in range(args.count):
                    notification_create(
                        recipient=Recipient(type="bench.person", id=f"{run}-{i}", name=f"候选人{i}",
                                            phone=f"+86138{i:08d}"),
                        channel="sms", template_key="generic_message",
                        context={"subject": "s", "message": f"提醒 {run} #{i}", "url": f"https://x.example/{i}"},
                        idempotency_key=f"bench:{run}:{i}", due_at=later, ignore_quiet_hours=True)
            created = time.perf_counter() - t0
            ids = list(Notification.objects.filter(idempotency_key__startswith=f"bench:{run}:")
                       .values_list("pk", flat=True))
            Notification.objects.filter(pk__in=ids).update(next_attempt_at=timezone.now())  # now they are due
            t1 = time.perf_counter()
            deadline = t1 + args.timeout
            sent = 0
            while time.perf_counter() < deadline:
                notification_dispatch_due(now=timezone.now())  # what beat does every minute
                sent = Notification.objects.filter(pk__in=ids, status=Status.SENT).count()
                if sent == len(ids):
                    break
                time.sleep(1)
            elapsed = time.perf_counter() - t1
            time.sleep(2)  # let stray duplicate tasks (if any) finish before counting
            successes = Counter(DeliveryAttempt.objects.filter(
                notification_id__in=ids, outcome__in=["sent", "recovered"]).values_list("notification_id",
                                                                                        flat=True))
            duplicates = sum(c - 1 for c in successes.values() if c > 1)
            if fake:
                per_phone = Counter(m["to"] for m in fake.messages)
                duplicates = max(duplicates, sum(c - 1 for c in per_phone.values() if c > 1))
                provider_count = len(fake.messages)
            else:
                provider_count = sum(successes.values())
            lost = len(ids) - sent
            print(f"[{backend:7}] created {len(ids)} in {created:.1f}s; sent {sent} in {elapsed:.1f}s = "
                  f"{sent / elapsed:.0f} msg/s; provider received {provider_count}; "
                  f"duplicates {duplicates}; lost {lost}")
            ok = ok and duplicates == 0 and lost == 0 and provider_count == len(ids)
        finally:
            os.killpg(worker.pid, 15)
            worker.wait(timeout=60)
            if fake:
                fake.stop()
    print("OK" if ok else "FAILED: duplicates or lost messages")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
