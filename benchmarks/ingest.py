"""Benchmark of the AI interview result webhook through real HTTP (R-AI-1).

N signed result deliveries (default 1,000, hrsys generic format) are POSTed to
``/api/v1/integrations/ai-interviews/<vendor>/results/`` of the real Django WSGI
application, served by a threaded HTTP server in this process, from several
client threads. Then every ``--retries`` share of them is delivered again (a
vendor retrying: same body, fresh signature) to check idempotency. Prints the
median / p95 / max response time and checks that every result is stored exactly
once; exits 1 when not, or when p95 exceeds ``--p95-limit-ms`` (default 200).

    .venv/bin/python benchmarks/ingest.py
    BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/hrsys_bench_ai .venv/bin/python benchmarks/ingest.py

The database named by BENCH_DATABASE_URL is migrated (created on PostgreSQL when
missing); the default is a fresh SQLite file var/bench-ai-ingest.sqlite3. Tasks
enqueued after commit (automatic moves, media) go to a throw-away broker
directory: the benchmark measures what the vendor waits for.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=1, help="client threads (a vendor usually delivers one at a time)")
    parser.add_argument("--server-threads", type=int, default=4)
    parser.add_argument("--no-broker", action="store_true",
                        help="do not enqueue the after-commit tasks (measures the broker's share)")
    parser.add_argument("--retries", type=float, default=0.2, help="share of deliveries sent a second time")
    parser.add_argument("--p95-limit-ms", type=float, default=200)
    args = parser.parse_args()

    db_url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-ai-ingest.sqlite3'}")
    fresh_database(db_url)
    broker_dir = Path(tempfile.mkdtemp(prefix="bench-ai-broker-"))
    os.environ.update(DATABASE_URL=db_url, HRSYS_QUEUE=f"bench-ai-{uuid.uuid4().hex[:8]}",
                      HRSYS_BROKER_DIR=str(broker_dir), DJANGO_SETTINGS_MODULE="hrsys.settings", LOG_LEVEL="WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.db.models import Count

    from interviews.ai.models import AIInterviewResult, Delivery, RejectedDelivery

    call_command("migrate", verbosity=0)
    if args.no_broker:
        from interviews.ai import tasks

        tasks.enqueue = lambda name, obj_id: None
    run = uuid.uuid4().hex[:6]
    vendor = setup_data(args.count, run)
    PooledWSGIServer.pool_size = args.server_threads
    server = make_server("127.0.0.1", 0, get_wsgi_application(), server_class=PooledWSGIServer,
                         handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/api/v1/integrations/ai-interviews/{vendor.slug}/results/"
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}  deliveries: {args.count}  "
          f"client threads: {args.concurrency}  server threads: {args.server_threads}  retried: {int(args.count * args.retries)}")
    urllib.request.urlopen(url.split("/api/")[0] + "/healthz", timeout=30).read()  # warm-up: imports, connection
    bodies = [body_for(run, i) for i in range(args.count)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(args.concurrency) as pool:
        first = list(pool.map(lambda b: post(url, b), bodies))
    elapsed = time.perf_counter() - t0
    retried = bodies[: int(args.count * args.retries)]
    with ThreadPoolExecutor(args.concurrency) as pool:
        second = list(pool.map(lambda b: post(url, b), retried))
    server.shutdown()

    from collections import Counter

    times = [ms for ms, _ in first]
    codes = [code for _, code in first + second]
    results = AIInterviewResult.objects.filter(vendor=vendor)
    stored = results.count()
    twice = results.values("vendor_result_id").annotate(n=Count("id")).filter(n__gt=1).count()
    deliveries = Delivery.objects.filter(vendor=vendor)
    print(f"first delivery: median {statistics.median(times):.1f} ms  p95 {percentile(times, 95):.1f} ms  "
          f"max {max(times):.1f} ms  throughput {len(first) / elapsed:.0f} deliveries/s")
    rt = [ms for ms, _ in second]
    if rt:
        print(f"retried delivery: median {statistics.median(rt):.1f} ms  p95 {percentile(rt, 95):.1f} ms")
    print(f"HTTP status counts: {dict(Counter(codes))}")
    print(f"HTTP 200: {codes.count(200)}/{len(codes)}  results stored: {stored}/{args.count}  stored twice: {twice}  "
          f"deliveries: {deliveries.count()} ({deliveries.filter(outcome='duplicate').count()} duplicate) "
          f"rejected: {RejectedDelivery.objects.filter(vendor=vendor).count()}")
    ok = stored == args.count and twice == 0 and codes.count(200) == len(codes)
    if percentile(times, 95) > args.p95_limit_ms:
        print(f"p95 above {args.p95_limit_ms} ms")
        ok = False
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
