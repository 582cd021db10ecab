"""Benchmark of the notification outbox with a real Celery worker (R-INT-3, R-NS-3).

N due notifications (default 10,000) go through the dispatch sweep and a real
``celery worker`` process, once with the console SMS backend and once with the
real ``twilio`` client against the local fake Twilio server of the tests (over HTTP,
keep-alive). Prints throughput, duplicates (must be 0) and lost messages (must be 0);
exits 1 otherwise.

Baseline, measured on the same worker just before each run: N Celery tasks that do
nothing (``notifications.tasks.noop``), enqueued and taken off the queue; the
notifications' rate is printed as a share of it (the goal: at least 80 %). First, one
batch of 100 sends in this process shows the cost per message and the queries per batch.

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
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--backends", default="console,twilio")
    parser.add_argument("--sender-rate", type=float, default=5000,
                        help="NOTIFICATIONS_SENDER_RATE of the run: messages per second per sending number")
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
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from hrsys.celery import app
    from notifications import tasks
    from notifications.models import DeliveryAttempt, Notification, Status
    from notifications.services import (
        notification_create,
        notification_deliver_batch,
        notification_dispatch_due,
    )
    from notifications.types import Recipient
    from tests.notifications.fake_twilio import FakeTwilio

    def create(run: str, count: int, due_at) -> list[int]:
        with transaction.atomic():
            for i in range(count):
                notification_create(
                    recipient=Recipient(type="bench.person", id=f"{run}-{i}", name=f"候选人{i}",
                                        phone=f"+86138{i:08d}"),
                    channel="sms", template_key="generic_message",
                    context={"subject": "s", "message": f"提醒 {run} #{i}", "url": f"https://x.example/{i}"},
                    idempotency_key=f"bench:{run}:{i}", due_at=due_at, ignore_quiet_hours=True)
        return list(Notification.objects.filter(idempotency_key__startswith=f"bench:{run}:")
                    .order_by("pk").values_list("pk", flat=True))

    def queue_size() -> int:
        with app.connection_for_write() as conn:
            return conn.default_channel.queue_declare(queue=queue).message_count

    def noop_rate(count: int) -> float:
        """Celery's own cost: ``count`` tasks that do nothing, from the first enqueued to the queue empty."""
        for i in range(2 * args.concurrency):  # warm-up: the worker is up and consuming
            tasks.noop.delay(i)
        while queue_size():
            time.sleep(0.05)
        time.sleep(0.5)
        t0 = time.perf_counter()
        for i in range(count):
            tasks.noop.delay(i)
        while queue_size():
            time.sleep(0.02)
        return count / (time.perf_counter() - t0)

    def in_process(fake) -> str:
        """One batch of 100 sent by this process (no worker), after a warm-up batch: time per message, queries
        per batch."""
        overrides = {"SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "bench",
                     "TWILIO_API_BASE": fake.url, "TWILIO_FROM_NUMBER": "+15005550006",
                     "NOTIFICATIONS_SENDER_RATE": args.sender_rate}
        saved = {name: getattr(settings, name) for name in overrides}
        for name, value in overrides.items():
            setattr(settings, name, value)
        try:
            warm = create(uuid.uuid4().hex[:8], 20, timezone.now() + timezone.timedelta(days=1))  # no task queued
            ids = create(uuid.uuid4().hex[:8], 100, timezone.now() + timezone.timedelta(days=1))
            Notification.objects.filter(pk__in=warm + ids).update(next_attempt_at=timezone.now())
            notification_deliver_batch(notification_ids=warm)  # the client, its connections, the thread pool
            before = len(fake.messages)
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                outcomes = notification_deliver_batch(notification_ids=ids)
                elapsed = time.perf_counter() - t0
            assert set(outcomes.values()) == {"sent"} and len(fake.messages) - before == 100, outcomes
            return f"one batch of 100 in process: {elapsed * 1000 / 100:.2f} ms per message, " \
                   f"{len(queries)} queries per batch"
        finally:
            for name, value in saved.items():
                setattr(settings, name, value)

    call_command("migrate", verbosity=0)
    broker = "redis" if settings.REDIS_URL else "filesystem"
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}  broker: {broker}  "
          f"worker concurrency: {args.concurrency}  notifications per backend: {args.count}  "
          f"batch: {settings.NOTIFICATIONS_SEND_BATCH}  send threads: {settings.NOTIFICATIONS_SEND_THREADS}  "
          f"sender rate: {args.sender_rate:g}/s")
    ok = True
    figures = []  # the README row's figures, one entry per backend
    in_process_figure = ""
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        fake = FakeTwilio().start() if backend == "twilio" else None
        run = uuid.uuid4().hex[:8]
        env = {**os.environ, "SMS_BACKEND": backend, "HRSYS_TESTING": "0",
               "NOTIFICATIONS_SENDER_RATE": str(args.sender_rate)}
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
            ids = create(run, args.count, later)
            created = time.perf_counter() - t0
            baseline = noop_rate(args.count)
            if fake:
                in_process_figure = in_process(fake)
                print(f"[{backend:7}] {in_process_figure}")
                fake.messages.clear()
                fake.connections = 0
            Notification.objects.filter(pk__in=ids).update(next_attempt_at=timezone.now())  # now they are due
            t1 = time.perf_counter()
            deadline = t1 + args.timeout
            sent = swept_at = 0
            while time.perf_counter() < deadline:
                if time.perf_counter() - swept_at >= 1:
                    notification_dispatch_due(now=timezone.now())  # what beat does every minute
                    swept_at = time.perf_counter()
                sent = Notification.objects.filter(pk__gte=ids[0], pk__lte=ids[-1], status=Status.SENT).count()
                if sent == len(ids):
                    break
                time.sleep(0.1)
            elapsed = time.perf_counter() - t1
            time.sleep(2)  # let stray duplicate tasks (if any) finish before counting
            successes = Counter(DeliveryAttempt.objects.filter(
                notification_id__in=ids, outcome__in=["sent", "recovered"]).values_list("notification_id",
                                                                                        flat=True))
            duplicates = sum(c - 1 for c in successes.values() if c > 1)
            connections = ""
            if fake:
                per_phone = Counter(m["to"] for m in fake.messages)
                duplicates = max(duplicates, sum(c - 1 for c in per_phone.values() if c > 1))
                provider_count = len(fake.messages)
                connections = f"; HTTP connections to the fake Twilio {fake.connections}"
            else:
                provider_count = sum(successes.values())
            lost = len(ids) - sent
            rate = sent / elapsed
            print(f"[{backend:7}] created {len(ids)} in {created:.1f}s; sent {sent} in {elapsed:.1f}s = "
                  f"{rate:.0f} msg/s; baseline (Celery no-op tasks, same worker) {baseline:.0f} tasks/s; "
                  f"ratio {rate / baseline:.0%}; provider received {provider_count}; "
                  f"duplicates {duplicates}; lost {lost}{connections}")
            ok = ok and duplicates == 0 and lost == 0 and provider_count == len(ids)
            figures.append(f"{backend}: {rate:,.0f} msg/s = {rate / baseline:.0%} of the no-op baseline "
                           f"({baseline:,.0f} tasks/s), duplicates {duplicates}, lost {lost}"
                           + (f", {fake.connections} HTTP connections" if fake else ""))
        finally:
            os.killpg(worker.pid, 15)
            worker.wait(timeout=60)
            if fake:
                fake.stop()
    print("OK" if ok else "FAILED: duplicates or lost messages")
    print(f"README: {args.count:,} due notifications per channel backend (console; the real `twilio` client over HTTP "
          f"to the fake Twilio) through the dispatch sweep and a real worker (concurrency {args.concurrency}, batches "
          f"of {settings.NOTIFICATIONS_SEND_BATCH}, {settings.NOTIFICATIONS_SEND_THREADS} send threads, sender rate "
          f"{args.sender_rate:,g}/s), beside a baseline measured on the same worker in the same run: as many Celery "
          f"tasks that do nothing | {'; '.join(figures)}; {in_process_figure or 'no in-process batch (no twilio run)'}"
          f" (goal: >= 80 % of the baseline, 0 duplicates, 0 lost)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
