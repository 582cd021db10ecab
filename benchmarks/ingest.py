"""Benchmark of the AI interview result webhook through real HTTP (R-AI-1, issue 17 item 3).

N signed result deliveries (default 1,000, hrsys generic format) are POSTed to
``/api/v1/integrations/ai-interviews/<vendor>/results/`` of the real Django WSGI
application, served by a threaded HTTP server in this process (4 threads, like a
gunicorn worker with ``--threads 4``), from 16 concurrent client threads. In the same
run, the same clients POST the same bodies to a bare DRF endpoint (no authentication,
no database: ``{"status": "accepted"}``) mounted in the same application, half before
and half after the deliveries: the baseline the webhook's p95 is printed next to,
with the ratio. Then every ``--retries`` share of the deliveries is delivered again (a
vendor retrying: same body, fresh signature) to check idempotency.

The webhook only verifies and stores; the worker task (``ai_interviews.process_delivery``)
does the scoring. After the load this script runs every task the requests enqueued
(each twice, from ``--worker-threads`` threads: a broker delivering a task twice),
then the moves those enqueue, and checks that every delivery was stored once and
processed once: one result per delivery, none twice, none left waiting or failed, no
move pending. Exits 1 when not, or when p95 exceeds ``--p95-limit-ms`` (default 50).

    .venv/bin/python benchmarks/ingest.py
    BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/hrsys_bench_ai .venv/bin/python benchmarks/ingest.py

The database named by BENCH_DATABASE_URL is migrated (created on PostgreSQL when
missing); the default is a fresh SQLite file var/bench-ai-ingest.sqlite3. The tasks
are enqueued as in production -- into Redis when REDIS_URL is set (a queue of the
run's own, purged at the end), else a throw-away filesystem broker directory -- and
the script also notes their ids to run them itself.

    REDIS_URL=redis://127.0.0.1:6379/0 BENCH_DATABASE_URL=postgres://... .venv/bin/python benchmarks/ingest.py
"""

import argparse
import hashlib
import hmac
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from bench_db import fresh_database  # benchmarks/, next to this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-0123456789abcdef"


class PooledWSGIServer(ThreadingMixIn, WSGIServer):
    """Requests run on a fixed pool of threads (like gunicorn's gthread workers), so each thread keeps its
    database connection (CONN_MAX_AGE) instead of opening one per request."""

    daemon_threads = True
    pool_size = 4
    request_queue_size = 128  # the listen backlog: 16 clients connecting at once must not be reset

    def process_request(self, request, client_address):
        if not hasattr(self, "_pool"):
            self._pool = ThreadPoolExecutor(self.pool_size)
        self._pool.submit(self.process_request_thread, request, client_address)


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def signed_request(url: str, body: bytes) -> urllib.request.Request:
    t = int(time.time())
    digest = hmac.new(SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Hrsys-Signature": f"t={t},v1={digest}"})


def post(url: str, body: bytes) -> tuple[float, int]:
    request = signed_request(url, body)
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            code = response.status
    except urllib.error.HTTPError as exc:
        code = exc.code
    return (time.perf_counter() - t0) * 1000, code


def setup_data(count: int, run: str):
    from candidates.models import Application, Candidate, JobRequisition
    from hrsys.accounts.models import Department
    from interviews.ai.models import AIInvitation, Vendor

    dept, _ = Department.objects.get_or_create(code=f"bench-{run}", defaults={"name": "急诊科（基准）"})
    job = JobRequisition.objects.create(
        department=dept, title="急诊护士（基准）", status="open",
        assessment_dimensions=[{"key": "logic", "label": "逻辑", "pass": 70, "borderline": 50},
                               {"key": "communication", "label": "沟通", "pass": 60, "borderline": 40}])
    vendor = Vendor.objects.create(slug=f"bench-{run}", name="Bench", secret=SECRET,
                                   adapter="interviews.ai.adapters.generic.GenericAdapter",
                                   dimension_map=[{"vendor": "logic", "dimension": "logic", "min": 1, "max": 5},
                                                  {"vendor": "comm", "dimension": "communication", "min": 0,
                                                   "max": 1}])
    candidates = Candidate.objects.bulk_create([Candidate(name=f"候选人{i}") for i in range(count)], batch_size=500)
    apps = Application.objects.bulk_create([Application(candidate=c, job=job, state="ai_invited")
                                            for c in candidates], batch_size=500)
    AIInvitation.objects.bulk_create([
        AIInvitation(application=a, vendor=vendor, assessment_id=f"{run}-{i}", candidate_url="https://x.example/a",
                     deadline=a.created_at + timedelta(days=3))
        for i, a in enumerate(apps)], batch_size=500)
    return vendor


def body_for(run: str, i: int) -> bytes:
    return json.dumps({
        "event": "result", "assessment_id": f"{run}-{i}", "result_id": f"{run}-R{i}", "overall_score": 50 + i % 50,
        "dimensions": {"logic": 1 + (i % 5), "comm": round((i % 10) / 10, 1)},
        "preferences": {"expected_salary": {"amount": 9000 + i}, "earliest_start_date": "2026-06-01"},
        "transcript": "问：请介绍一次急诊高峰的经历。答：……" * 5,
        "signals": {"answer_durations": [{"question": "Q1", "seconds": 60 + i % 90}]},
    }, ensure_ascii=False).encode()


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def figures(times: list[float]) -> str:
    return f"median {statistics.median(times):.1f} ms  p95 {percentile(times, 95):.1f} ms  max {max(times):.1f} ms"


def bare_drf_urlconf():
    """The project's URLs plus ``/bench/bare/``: a bare DRF endpoint, the floor any API answer stands on."""
    from django.urls import include, path
    from rest_framework.permissions import AllowAny
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class BareApi(APIView):
        authentication_classes: list = []
        permission_classes = [AllowAny]
        throttle_classes: list = []
        parser_classes: list = []

        def post(self, request):
            return Response({"status": "accepted"}, status=202)

    return [path("bench/bare/", BareApi.as_view()), path("", include("hrsys.urls"))]


def run_tasks(queue: list, names: set[str], threads: int) -> tuple[int, float]:
    """Run the noted tasks of these names (each twice, concurrently), and those they enqueue; returns how many
    and the seconds taken."""
    from django.db import connection

    from interviews.ai import tasks

    def work(item):
        name, obj_id = item
        try:
            tasks.TASKS[name].run(obj_id)
        finally:
            connection.close()

    done, t0 = 0, time.perf_counter()
    while True:
        batch = [item for item in list(queue) if item[0] in names]
        if not batch:
            return done, time.perf_counter() - t0
        for item in batch:
            queue.remove(item)
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(work, [*batch, *batch]))  # every task delivered twice: must change nothing
        done += len(batch)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16, help="client threads (vendor deliveries at once)")
    parser.add_argument("--server-threads", type=int, default=4)
    parser.add_argument("--worker-threads", type=int, default=4, help="threads running the worker tasks")
    parser.add_argument("--no-broker", action="store_true",
                        help="do not enqueue the after-commit tasks (measures the broker's share)")
    parser.add_argument("--no-moves", action="store_true", help="do not run the move tasks after the load")
    parser.add_argument("--retries", type=float, default=0.2, help="share of deliveries sent a second time")
    parser.add_argument("--p95-limit-ms", type=float, default=50)
    args = parser.parse_args()

    db_url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-ai-ingest.sqlite3'}")
    fresh_database(db_url)
    broker_dir = Path(tempfile.mkdtemp(prefix="bench-ai-broker-"))
    os.environ.update(DATABASE_URL=db_url, HRSYS_QUEUE=f"bench-ai-{uuid.uuid4().hex[:8]}",
                      HRSYS_BROKER_DIR=str(broker_dir), DJANGO_SETTINGS_MODULE="hrsys.settings", LOG_LEVEL="WARNING")
    import django

    django.setup()
    from collections import Counter

    from django.conf import settings
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.db.models import Count
    from django.utils import timezone

    from interviews.ai import tasks
    from interviews.ai.models import AIInterviewResult, Delivery, RejectedDelivery
    from interviews.ai.services import ai_deliveries_requeue_due

    call_command("migrate", verbosity=0)
    noted: list[tuple[str, int]] = []  # what the worker would receive
    to_broker = tasks.enqueue

    def enqueue(name, obj_id):
        if not args.no_broker:
            to_broker(name, obj_id)
        noted.append((name, obj_id))

    tasks.enqueue = enqueue
    run = uuid.uuid4().hex[:6]
    vendor = setup_data(args.count, run)
    globals()["urlpatterns"] = bare_drf_urlconf()
    settings.ROOT_URLCONF = __name__
    PooledWSGIServer.pool_size = args.server_threads
    server = make_server("127.0.0.1", 0, get_wsgi_application(), server_class=PooledWSGIServer,
                         handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    url = f"{base}/api/v1/integrations/ai-interviews/{vendor.slug}/results/"
    bare_url = f"{base}/bench/bare/"
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}  deliveries: {args.count}  "
          f"client threads: {args.concurrency}  server threads: {args.server_threads}  "
          f"retried: {int(args.count * args.retries)}  "
          f"broker: {'none' if args.no_broker else settings.CELERY_BROKER_URL.split(':')[0]}")
    urllib.request.urlopen(base + "/healthz", timeout=30).read()  # warm-up: imports, connection
    bodies = [body_for(run, i) for i in range(args.count)]
    half = len(bodies) // 2

    def load(target, items):
        with ThreadPoolExecutor(args.concurrency) as pool:
            return list(pool.map(lambda b: post(target, b), items))

    load(bare_url, bodies[: args.concurrency * 2])  # warm-up of every server and client thread
    bare = load(bare_url, bodies[:half])
    t0 = time.perf_counter()
    first = load(url, bodies)
    elapsed = time.perf_counter() - t0
    bare += load(bare_url, bodies[half:])
    second = load(url, bodies[: int(args.count * args.retries)])
    server.shutdown()

    times = [ms for ms, _ in first]
    bare_times = [ms for ms, _ in bare]
    p95, bare_p95 = percentile(times, 95), percentile(bare_times, 95)
    first_codes, retry_codes = Counter(code for _, code in first), Counter(code for _, code in second)
    print(f"bare DRF endpoint (baseline): {figures(bare_times)}  ({len(bare)} requests, half before, half after)")
    print(f"webhook, first delivery:      {figures(times)}  throughput {len(first) / elapsed:.0f} deliveries/s")
    print(f"p95 webhook / p95 bare DRF: {p95:.1f} / {bare_p95:.1f} ms = {p95 / bare_p95:.2f}x  "
          f"(limit {args.p95_limit_ms:.0f} ms)")
    if second:
        print(f"webhook, retried delivery:    {figures([ms for ms, _ in second])}")
    print(f"HTTP status: first {dict(first_codes)}  retried {dict(retry_codes)}")
    deliveries = Delivery.objects.filter(vendor=vendor)
    waiting_after_load = deliveries.filter(status=Delivery.Status.RECEIVED).count()

    processed, delivery_seconds = run_tasks(noted, {"process_delivery"}, args.worker_threads)
    print(f"worker: {processed} delivery tasks (each run twice) in {delivery_seconds:.1f} s = "
          f"{processed / delivery_seconds:.0f}/s")
    # one thread: django-fsm's refresh_from_db lifts the state field's protection for the whole class while it
    # runs, so threads moving applications at once trip over it (Celery's worker pool is processes)
    if not args.no_moves:
        moved, seconds = run_tasks(noted, {"apply_moves"}, 1)
        print(f"worker: {moved} move tasks (each run twice) in {seconds:.1f} s = {moved / max(seconds, 1e-9):.0f}/s")
    noted.clear()
    ai_deliveries_requeue_due(now=timezone.now() + timedelta(hours=1))  # nothing of this run may be left over
    requeued = deliveries.filter(pk__in=[obj_id for name, obj_id in noted if name == "process_delivery"]).count()

    results = AIInterviewResult.objects.filter(vendor=vendor)
    stored = results.count()
    twice = results.values("vendor_result_id").annotate(n=Count("id")).filter(n__gt=1).count()
    statuses = dict(Counter(deliveries.values_list("status", flat=True)))
    outcomes = dict(Counter(deliveries.values_list("outcome", flat=True)))
    pending_moves = 0 if args.no_moves else results.filter(move_status=AIInterviewResult.MoveStatus.PENDING).count()
    rejected = RejectedDelivery.objects.filter(vendor=vendor).count()
    print(f"deliveries: {deliveries.count()} stored ({waiting_after_load} waiting after the load)  "
          f"status {statuses}  outcome {outcomes}  rejected {rejected}")
    print(f"results stored: {stored}/{args.count}  stored twice: {twice}  moves pending: {pending_moves}  "
          f"left for the sweep: {requeued}")
    if settings.CELERY_BROKER_URL.startswith("redis"):  # nobody consumes the run's queue: leave Redis as found
        import redis

        queue = settings.CELERY_TASK_DEFAULT_QUEUE
        redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(
            queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    ok = (first_codes == Counter({202: args.count}) and retry_codes == Counter({200: len(second)})
          and deliveries.count() == args.count and statuses == {Delivery.Status.PROCESSED: args.count}
          and outcomes == {Delivery.Outcome.STORED: args.count} and stored == args.count and twice == 0
          and pending_moves == 0 and requeued == 0 and rejected == 0 and processed == args.count)
    exactly_once = ok
    if p95 > args.p95_limit_ms:
        print(f"p95 above {args.p95_limit_ms} ms")
        ok = False
    broker = "no broker" if args.no_broker else f"{settings.CELERY_BROKER_URL.split(':')[0]} broker"
    retry_p95 = percentile([ms for ms, _ in second], 95) if second else 0
    print(f"README: {args.count:,} signed AI result deliveries from {args.concurrency} concurrent clients + "
          f"{len(second):,} retries over HTTP ({args.server_threads} server threads, {broker}), beside a bare DRF "
          f"endpoint in the same run; then the worker tasks, each run twice | webhook median "
          f"{statistics.median(times):.1f} ms / p95 {p95:.1f} ms beside bare DRF median "
          f"{statistics.median(bare_times):.1f} ms / p95 {bare_p95:.1f} ms ({p95 / bare_p95:.1f}x; goal p95 <= "
          f"{args.p95_limit_ms:.0f} ms {'met' if p95 <= args.p95_limit_ms else 'not met'}); retries p95 "
          f"{retry_p95:.1f} ms; {len(first) / elapsed:.0f} deliveries/s; worker {processed / delivery_seconds:.0f} "
          f"deliveries/s; {stored:,} stored and processed {'exactly once' if exactly_once else 'NOT exactly once'}")
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
