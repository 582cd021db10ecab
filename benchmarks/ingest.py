"""Benchmark of the AI interview result webhook through real HTTP (R-AI-1, issue 17 item 3).

N signed result deliveries (default 1,000, hrsys generic format) are POSTed to
``/api/v1/integrations/ai-interviews/<vendor>/results/``, served as in production: gunicorn with the
Procfile's workers and threads (``--workers 2 --threads 4``, ``gunicorn.conf.py``), in processes of its own,
from 16 concurrent clients (keep-alive connections, bodies signed beforehand so the clients measure the
server, not their own HMAC): wrk, the issue's client, when installed (``benchmarks/wrk_client.py``: 16 wrk
threads of one connection each, every request sent once, every latency noted), else two client processes of
this script (``--client python``; slower on this two-core machine: they share its cores with the server and
their threads wait for the interpreter's lock before noting a response's time). In the same run, the same clients POST
the same bodies to a bare DRF endpoint (no authentication, no database: ``{"status": "accepted"}``) served by
the same gunicorn (``benchmarks/bench_wsgi.py``), half before and half after the deliveries: the baseline the
webhook's p95 is printed next to, with the ratio; and to the same endpoint storing each body with one committed
INSERT (the floor of any endpoint that stores what it is sent: on this machine a commit's flush to disk is most
of the webhook's tail). Before the measured deliveries, ``--warm-up`` others (default 64) go to the webhook unmeasured: each
server thread's first delivery opens its database connection, as a server running for a while has done.
Then every ``--retries`` share of the deliveries is
delivered again (a vendor retrying: same body, fresh signature) to check idempotency.

The webhook only verifies and stores; the worker task (``ai_interviews.process_deliveries``, a batch gathered
for ``AI_DELIVERY_HAND_OVER_SECONDS``) does the scoring. After the load this script checks the server handed every
stored delivery to the broker (each id in one of the messages in the run's own Redis queue), runs every delivery's task (each twice, from ``--worker-threads``
threads: a broker delivering a task twice), then the moves those enqueue, and checks that every delivery was
stored once and processed once: one result per delivery, none twice, none left waiting or failed, no move
pending. Exits 1 when not, or when p95 exceeds ``--p95-limit-ms`` (default 50).

    REDIS_URL=redis://127.0.0.1:6379/0 BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/hrsys_bench_ai \
        .venv/bin/python benchmarks/ingest.py

The database named by BENCH_DATABASE_URL is migrated (created on PostgreSQL when missing); the default is a
fresh SQLite file var/bench-ai-ingest.sqlite3. Without REDIS_URL the tasks go to a throw-away filesystem
broker directory.
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import wrk_client  # benchmarks/, next to this script
from bench_db import free_port, fresh_database, start_gunicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-0123456789abcdef"


def signed_headers(body: bytes) -> dict:
    t = int(time.time())
    digest = hmac.new(SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hrsys-Signature": f"t={t},v1={digest}"}


def _client(args) -> list[tuple[float, int]]:
    """One client process: ``threads`` threads, each with its own keep-alive connection, POST the requests
    handed to it (path, body, headers) and note (milliseconds, status)."""
    port, requests, threads = args
    out: list[tuple[float, int]] = []
    lock = threading.Lock()
    queue = list(reversed(requests))

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                path, body, headers = queue.pop()
            t0 = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                code = response.status
            except (http.client.HTTPException, OSError):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                code = 0
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                out.append((ms, code))
        conn.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return out


def load(port: int, requests: list[tuple[str, bytes, dict]], concurrency: int, *, client: str,
         processes: int = 2) -> wrk_client.Load:
    """``concurrency`` requests in flight at once: from wrk when it is installed (``wrk_client``), else from
    ``processes`` client processes of this script (Python's ``http.client``: slower, it counts its own waits)."""
    if client == "wrk":
        return wrk_client.run(port, requests, concurrency)
    shares = [requests[i::processes] for i in range(processes)]
    per = [concurrency // processes + (1 if i < concurrency % processes else 0) for i in range(processes)]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        results = pool.map(_client, [(port, share, n) for share, n in zip(shares, per, strict=True)])
    answers = [item for part in results for item in part]
    return wrk_client.Load(times=[ms for ms, _ in answers], codes=Counter(code for _, code in answers),
                seconds=time.perf_counter() - started)


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


def handed_ids(message: dict) -> list[int]:
    """The delivery ids one queued Celery message (kombu's Redis envelope, task protocol 2) hands over."""
    body = message["body"]
    if message["properties"].get("body_encoding") == "base64":
        body = base64.b64decode(body)
    args = json.loads(body)[0]
    task = message["headers"]["task"]
    if task == "ai_interviews.process_deliveries":
        return list(args[0])
    return [args[0]] if task == "ai_interviews.process_delivery" else []


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def figures(times: list[float]) -> str:
    return f"median {statistics.median(times):.1f} ms  p95 {percentile(times, 95):.1f} ms  max {max(times):.1f} ms"


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
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (vendor deliveries at once)")
    parser.add_argument("--server-workers", type=int, default=2, help="gunicorn workers (the Procfile's)")
    parser.add_argument("--server-threads", type=int, default=4, help="threads per gunicorn worker (the Procfile's)")
    parser.add_argument("--worker-threads", type=int, default=4, help="threads running the worker tasks")
    parser.add_argument("--no-broker", action="store_true",
                        help="do not enqueue the after-commit tasks (measures the broker's share)")
    parser.add_argument("--no-moves", action="store_true", help="do not run the move tasks after the load")
    parser.add_argument("--warm-up", type=int, default=64,
                        help="deliveries sent before the measured ones (every server thread's first requests open its database connection and fill its caches), not in the figures")
    parser.add_argument("--retries", type=float, default=0.2, help="share of deliveries sent a second time")
    parser.add_argument("--p95-limit-ms", type=float, default=50)
    parser.add_argument("--client", choices=("wrk", "python"), default="wrk" if wrk_client.available() else "python",
                        help="the load's client: wrk (the default when installed: Debian's wrk) or this script's "
                             "own processes")
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
    from django.db import connections
    from django.db.models import Count
    from django.utils import timezone

    from interviews.ai import tasks
    from interviews.ai.models import AIInterviewResult, Delivery, RejectedDelivery
    from interviews.ai.services import ai_deliveries_requeue_due

    call_command("migrate", verbosity=0)
    noted: list[tuple[str, int]] = []  # what this process's tasks enqueue (the moves)
    tasks.enqueue = lambda name, obj_id: noted.append((name, obj_id))
    run = uuid.uuid4().hex[:6]
    total = args.count + args.warm_up  # the warm-up deliveries are stored and processed like the others
    vendor = setup_data(total, run)
    with connections["default"].cursor() as cursor:  # the second baseline's table (bench_wsgi.BareInsertApi)
        cursor.execute("DROP TABLE IF EXISTS bench_bare_delivery")
        cursor.execute("CREATE TABLE bench_bare_delivery (id bigserial PRIMARY KEY, body text NOT NULL)"
                       if connections["default"].vendor == "postgresql" else
                       "CREATE TABLE bench_bare_delivery (id integer PRIMARY KEY AUTOINCREMENT, body text NOT NULL)")
    connections.close_all()  # the client processes are forked from this one
    port = free_port()
    env = {**os.environ, "BENCH_NO_BROKER": "1" if args.no_broker else "0"}
    server = start_gunicorn(port, args.server_workers, args.server_threads, env, app="bench_wsgi:application")
    broker = "none" if args.no_broker else settings.CELERY_BROKER_URL.split(":")[0]
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}  deliveries: {args.count}  "
          f"concurrency: {args.concurrency} ({args.client} client)  gunicorn: {args.server_workers} workers x {args.server_threads} threads  "
          f"retried: {int(args.count * args.retries)}  broker: {broker}")
    path = f"/api/v1/integrations/ai-interviews/{vendor.slug}/results/"
    bodies = [body_for(run, i) for i in range(args.count)]
    warm_up = [body_for(run, i) for i in range(args.count, total)]
    half = len(bodies) // 2
    def send(requests):  # the run's client, args.concurrency at once
        return load(port, requests, args.concurrency, client=args.client)

    try:
        bare = [("/bench/bare/", body, signed_headers(body)) for body in bodies]
        send(bare[: args.concurrency * 4])  # warm-up of every server and client thread
        warm_codes = send([(path, body, signed_headers(body)) for body in warm_up]).codes
        bare_first = send(bare[:half])
        first = send([(path, body, signed_headers(body)) for body in bodies])
        bare_second = send(bare[half:])
        stored_bare = send([("/bench/bare-insert/", body, headers) for _path, body, headers in bare])
        second = send([(path, body, signed_headers(body)) for body in bodies[: int(args.count * args.retries)]])
    finally:
        server.terminate()
        server.wait(30)

    times, bare_times = first.times, bare_first.times + bare_second.times
    p95, bare_p95 = percentile(times, 95), percentile(bare_times, 95)
    first_codes, retry_codes = first.codes, second.codes
    print(f"bare DRF endpoint (baseline): {figures(bare_times)}  ({len(bare_times)} requests, half before, half after)")
    insert_times = stored_bare.times
    insert_p95 = percentile(insert_times, 95)
    print(f"bare DRF + one INSERT:        {figures(insert_times)}  (the floor of storing anything, same bodies)")
    print(f"webhook, first delivery:      {figures(times)}  throughput {len(times) / first.seconds:.0f} deliveries/s")
    print(f"p95 webhook / p95 bare DRF: {p95:.1f} / {bare_p95:.1f} ms = {p95 / bare_p95:.2f}x  "
          f"(limit {args.p95_limit_ms:.0f} ms)")
    if second.times:
        print(f"webhook, retried delivery:    {figures(second.times)}")
    print(f"HTTP status: first {dict(first_codes)}  retried {dict(retry_codes)}")
    deliveries = Delivery.objects.filter(vendor=vendor)
    waiting = list(deliveries.filter(status=Delivery.Status.RECEIVED).values_list("id", flat=True))
    handed_over = None
    if settings.CELERY_BROKER_URL.startswith("redis"):  # nobody consumes the run's queue: count, then clear it
        import redis

        queue = settings.CELERY_TASK_DEFAULT_QUEUE
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        messages = [json.loads(raw) for raw in client.lrange(queue, 0, -1)]
        handed_over = len({delivery_id for message in messages for delivery_id in handed_ids(message)})
        print(f"broker: {len(messages)} task messages for {handed_over} deliveries (batches gathered "
              f"{settings.AI_DELIVERY_HAND_OVER_SECONDS * 1000:.0f} ms)")
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")

    processed, delivery_seconds = run_tasks([("process_delivery", pk) for pk in waiting], {"process_delivery"},
                                            args.worker_threads)
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
    print(f"deliveries: {deliveries.count()} stored ({len(waiting)} waiting after the load, "
          f"{'-' if handed_over is None else handed_over} handed to the broker)  "
          f"status {statuses}  outcome {outcomes}  rejected {rejected}")
    print(f"results stored: {stored}/{total}  stored twice: {twice}  moves pending: {pending_moves}  "
          f"left for the sweep: {requeued}")
    ok = (first_codes == Counter({202: args.count}) and retry_codes == Counter({200: int(args.count * args.retries)})
          and warm_codes == Counter({202: args.warm_up})
          and deliveries.count() == total and statuses == {Delivery.Status.PROCESSED: total}
          and outcomes == {Delivery.Outcome.STORED: total} and stored == total and twice == 0
          and pending_moves == 0 and requeued == 0 and rejected == 0 and processed == total
          and handed_over in (None, total) or (args.no_broker and handed_over == 0))
    exactly_once = ok
    if p95 > args.p95_limit_ms:
        print(f"p95 above {args.p95_limit_ms} ms")
        ok = False
    broker = "no broker" if args.no_broker else f"{settings.CELERY_BROKER_URL.split(':')[0]} broker"
    retry_p95 = percentile(second.times, 95) if second.times else 0
    print(f"README: {args.count:,} signed AI result deliveries, {args.concurrency} at once from {args.client}, + "
          f"{len(second.times):,} "
          f"retries over HTTP to gunicorn as the Procfile runs it ({args.server_workers} workers x "
          f"{args.server_threads} threads, {broker}), beside a bare DRF endpoint on the same server in the same run; "
          f"then the worker tasks, each run twice | webhook median {statistics.median(times):.1f} ms / p95 "
          f"{p95:.1f} ms beside bare DRF median {statistics.median(bare_times):.1f} ms / p95 {bare_p95:.1f} ms "
          f"({p95 / bare_p95:.1f}x) and bare DRF storing the body with one INSERT median "
          f"{statistics.median(insert_times):.1f} ms / p95 {insert_p95:.1f} ms ({p95 / insert_p95:.1f}x; "
          f"goal p95 <= {args.p95_limit_ms:.0f} ms "
          f"{'met' if p95 <= args.p95_limit_ms else 'not met'}); retries p95 {retry_p95:.1f} ms; "
          f"{len(times) / first.seconds:.0f} deliveries/s; worker {processed / delivery_seconds:.0f} deliveries/s; "
          f"{stored:,} stored and processed {'exactly once' if exactly_once else 'NOT exactly once'}")
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
