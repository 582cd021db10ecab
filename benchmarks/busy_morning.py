"""A busy morning, bounded and local (issue 21 item 6, R-SEC-8): the whole system under mixed load.

The processes ``make run`` starts -- gunicorn as the Procfile runs it (2 workers x 4 threads), a Celery worker and
beat -- on PostgreSQL and Redis, with the demo's world (``seed_demo --story small --scale N``) plus what a morning
brings. For ``--minutes`` (default 10), from client processes of their own:

* ``--hr-users`` (default 50) HR staff signed in through the login form, each browsing at a person's pace (a
  page every 1-3 s): Today, the jobs list, a pipeline board, an application's page, the admin's application
  list, the application list API; and acting: starting the screening of new applications from the board;
* ``--deliveries`` (default 16) AI vendors pushing signed results at once, each for an invitation of its own;
* ``--clocks`` (default 20) time clocks sending batches of punches every few seconds with their device token;
* beat's minute sweeps (``HR_TICK_SECONDS``, default 60), sending the morning's due reminders (console SMS, kept
  in a folder of the run) and processing the deliveries.

Afterwards it waits for the work to drain (no due message unsent, every stored delivery processed, the broker's
queue empty) and prints, per page type, requests, median and p95 latency and server errors; exits 1 on any
server error (5xx), on anything lost (a punch, a delivery or a message) or when the work does not drain.

    REDIS_URL=redis://127.0.0.1:6379/0 BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/hrsys_bench_busy \\
        .venv/bin/python benchmarks/busy_morning.py --minutes 10
"""

import argparse
import hashlib
import hmac
import http.client
import json
import multiprocessing
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from pathlib import Path

from bench_db import free_port, fresh_database, start_gunicorn  # benchmarks/, next to this script
from django_otp.oath import TOTP

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "busy-morning-2026"
TOTP_KEY_HEX = "48525359534255535942454e43484d41524b3230"  # the bench users' authenticator key
VENDOR_SECRET = "busy-morning-vendor-secret-0123456789"


# -- the clients (no Django: plain HTTP, in processes of their own) ---------------------------------------------


class Session:
    """One person's browser: a keep-alive connection and cookies (session, CSRF)."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        t0 = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # the server closed the idle keep-alive connection (gunicorn's keepalive): a browser opens a new
                # one and sends the request again, as here, once
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    return 0, b"", (time.perf_counter() - t0) * 1000, {}
                t0 = time.perf_counter()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                return 0, b"", (time.perf_counter() - t0) * 1000, {}
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data, (time.perf_counter() - t0) * 1000, dict(response.getheaders())

    def form(self, path: str, fields: dict, referer: str):
        fields = {**fields, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        return self.request("POST", path, urllib.parse.urlencode(fields).encode(), {
            "Content-Type": "application/x-www-form-urlencoded", "Referer": referer,
            "X-CSRFToken": self.cookies.get("csrftoken", "")})


def _hr_user(args) -> list:
    """One HR member's morning: sign in, then a page every 1-3 s until the deadline; new applications are screened
    from the board (each id at most once across all users: ids are dealt out beforehand)."""
    port, username, deadline, jobs, applications, to_screen, seed = args
    rng = random.Random(seed)
    s = Session(port)
    out = []
    base = f"http://127.0.0.1:{port}"
    status, _body, ms, _h = s.request("GET", "/admin/login/")
    out.append(("sign-in form", status, ms))
    status, _body, ms, _h = s.form("/admin/login/", {"username": username, "password": PASSWORD, "next": "/start/"},
                                   base + "/admin/login/")
    out.append(("sign-in", status, ms))
    # the second factor HR signs in with (R-SEC-9): the code the authenticator shows now
    code = f"{TOTP(bytes.fromhex(TOTP_KEY_HEX)).token():06d}"
    status, _body, ms, _h = s.form("/account/verify/", {"code": code, "next": "/start/"}, base + "/account/verify/")
    out.append(("sign-in code", status, ms))
    pages = [("Today", lambda: "/dashboard/"), ("jobs list", lambda: "/workspace/jobs/"),
             ("board", lambda: f"/workspace/jobs/{rng.choice(jobs)}/board/"),
             ("application page", lambda: f"/workspace/applications/{rng.choice(applications)}/"),
             ("admin application list", lambda: "/admin/candidates/application/"),
             ("application list API", lambda: "/api/v1/applications/?page_size=50")]
    while time.monotonic() < deadline:
        time.sleep(rng.uniform(1.0, 3.0))  # a person reads the page
        if to_screen and rng.random() < 0.2:
            app_id, job_id = to_screen.pop()
            board = f"/workspace/jobs/{job_id}/board/"
            status, _body, ms, _h = s.form(f"/workspace/board/move/{app_id}/",
                                           {"transition": "screen", "back": board}, base + board)
            out.append(("move on the board", status, ms))
            continue
        kind, path = rng.choice(pages)
        status, _body, ms, _h = s.request("GET", path())
        out.append((kind, status, ms))
    return out


def _vendor(args) -> list:
    """One AI vendor pushing signed results, one after the other, for its own invitations."""
    port, slug, assessments, deadline, seed = args
    rng = random.Random(seed)
    s = Session(port)
    out = []
    for i, assessment in enumerate(assessments):
        if time.monotonic() >= deadline:
            break
        body = json.dumps({"event": "result", "assessment_id": assessment, "result_id": f"R-{assessment}",
                           "overall_score": rng.randint(40, 95), "dimensions": {"logic": rng.randint(1, 5)},
                           "transcript": "问：请介绍一次急诊高峰的经历。答：……"}, ensure_ascii=False).encode()
        t = int(time.time())
        digest = hmac.new(VENDOR_SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        status, _body, ms, _h = s.request("POST", f"/api/v1/integrations/ai-interviews/{slug}/results/", body, {
            "Content-Type": "application/json", "X-Hrsys-Signature": f"t={t},v1={digest}",
            "X-Hrsys-Delivery": f"D-{assessment}"})
        out.append(("AI result delivery", status, ms))
        time.sleep(rng.uniform(0.2, 1.0) if i % 10 else 0)
    return out


def _clock(args) -> list:
    """One time clock: a batch of the punches of its people every few seconds, with its device token."""
    port, token, clock_ids, deadline, seed = args
    rng = random.Random(seed)
    s = Session(port)
    out, sequence = [], 0
    while time.monotonic() < deadline:
        time.sleep(rng.uniform(3.0, 6.0))
        batch = []
        for clock_id in rng.sample(clock_ids, min(len(clock_ids), rng.randint(5, 30))):
            sequence += 1
            batch.append({"sequence": f"{seed}-{sequence}", "clock_id": clock_id, "time": int(time.time()),
                          "direction": "in"})
        status, body, ms, _h = s.request("POST", "/api/v1/attendance/punches/", json.dumps({"punches": batch}).encode(),
                                         {"Content-Type": "application/json", "Authorization": f"Device {token}"})
        accepted = json.loads(body).get("accepted", 0) if status == 200 else 0
        out.append(("punch batch", status, ms, len(batch), accepted))
    return out


def _run(task):
    kind, args = task
    return {"hr": _hr_user, "vendor": _vendor, "clock": _clock}[kind](args)


def _threads(tasks):
    """A client process: each of its tasks on a thread of its own."""
    results: list = []
    lock = threading.Lock()

    def one(task):
        got = _run(task)
        with lock:
            results.extend(got)

    pool = [threading.Thread(target=one, args=(task,)) for task in tasks]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return results


# -- the run ----------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--hr-users", type=int, default=50)
    parser.add_argument("--deliveries", type=int, default=16, help="AI vendor clients pushing at once")
    parser.add_argument("--clocks", type=int, default=20)
    parser.add_argument("--scale", type=int, default=20_000, help="generated applications besides the demo's")
    parser.add_argument("--reminders", type=int, default=2_000, help="SMS reminders falling due during the run")
    parser.add_argument("--drain-minutes", type=float, default=5)
    args = parser.parse_args()

    db_url = os.environ.get("BENCH_DATABASE_URL", "postgres://root@127.0.0.1:5432/hrsys_bench_busy")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    fresh_database(db_url)
    run = uuid.uuid4().hex[:8]
    work = Path(tempfile.mkdtemp(prefix="hrsys-busy-"))
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url, "HRSYS_QUEUE": f"busy-{run}",
           "DEV_OUTBOX_DIR": str(work / "outbox"), "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "hrsys.settings",
           "HR_TICK_SECONDS": os.environ.get("HR_TICK_SECONDS", "60"), "MEDIA_ROOT": str(work / "media")}
    env.pop("HRSYS_TESTING", None)
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from attendance import services as attendance_services
    from attendance.models import AccountState, AttendanceAccount, Punch
    from candidates.models import Application, JobRequisition
    from hrsys.accounts.models import Department, Role, User
    from interviews.ai.models import AIInvitation, Delivery, Vendor
    from notifications.models import Notification, Status
    from notifications.services import notification_create
    from notifications.types import Recipient

    t0 = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", story="small", scale=args.scale, quiet_logins=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    hospital = Department.objects.filter(kind="organization").order_by("pk").first()
    hr_names = [f"busy-hr-{i:02d}" for i in range(args.hr_users)]
    User.objects.bulk_create([User(username=n, role=Role.HR_STAFF, is_staff=True, password=make_password(PASSWORD))
                              for n in hr_names])
    for user in User.objects.filter(username__in=hr_names):
        user.departments.add(hospital)
        TOTPDevice.objects.create(user=user, name="bench", key=TOTP_KEY_HEX, confirmed=True)
    mine = {"job__department__path__startswith": hospital.path}  # what these HR users' scope holds
    jobs = list(JobRequisition.objects.filter(department__path__startswith=hospital.path).values_list("pk", flat=True))
    applications = list(Application.objects.filter(**mine).order_by("-pk").values_list("pk", flat=True)[:2000])
    new = list(Application.objects.filter(state="new", **mine).values_list("pk", "job_id")[:args.hr_users * 40])
    vendor = Vendor.objects.get(slug="demo-ai")
    vendor.secret = VENDOR_SECRET
    vendor.save()
    per_vendor = int(args.minutes * 60)  # at most one a second each
    invited = list(Application.objects.filter(state="screening", **mine).order_by("pk")[:args.deliveries * per_vendor])
    Application.objects.filter(pk__in=[a.pk for a in invited]).update(state="ai_invited")
    deadline_at = timezone.now() + timezone.timedelta(days=3)
    AIInvitation.objects.bulk_create([AIInvitation(application=a, vendor=vendor, assessment_id=f"BM-{run}-{a.pk}",
                                                   candidate_url="https://ai.example/a", deadline=deadline_at)
                                      for a in invited], batch_size=1000)
    assessments = [f"BM-{run}-{a.pk}" for a in invited]
    today = timezone.localdate()
    accounts = AttendanceAccount.objects.bulk_create([
        AttendanceAccount(department=hospital, holder_name=f"员工{i:05d}", state=AccountState.ACTIVE,
                          effective_date=today, activated_at=timezone.now(), clock_id=f"BM{i:06d}")
        for i in range(args.clocks * 50)], batch_size=1000)
    clock_ids = [a.clock_id for a in accounts]
    tokens = [attendance_services.device_create(actor="benchmark", name=f"门禁考勤机 {i}",
                                                department_id=hospital.pk)[1] for i in range(args.clocks)]
    # the morning's reminders, falling due across the run
    start = timezone.now()
    for i in range(args.reminders):
        notification_create(
            recipient=Recipient(type="candidates.candidate", id=i, name=f"候选人{i}", phone=f"+86136{i:08d}"),
            channel="sms", template_key="generic_message", context={"message": f"面试提醒 {i}", "subject": "提醒"},
            idempotency_key=f"busy-{run}-{i}", ignore_quiet_hours=True,
            due_at=start + timezone.timedelta(seconds=args.minutes * 60 * i / max(args.reminders, 1)))
    punches_before = Punch.objects.count()
    print(f"set-up: {Application.objects.count():,} applications, {len(jobs)} jobs, {args.hr_users} HR users, "
          f"{len(assessments):,} AI invitations, {args.clocks} clocks ({len(clock_ids):,} people), "
          f"{args.reminders:,} reminders due during the run ({time.monotonic() - t0:.0f} s)")
    connections.close_all()

    port = free_port()
    procs = [
        start_gunicorn(port, 2, 4, env, stderr=open(work / "web.log", "wb")),  # noqa: SIM115 - closed with it
        subprocess.Popen([sys.executable, "-m", "celery", "-A", "hrsys", "worker", "--concurrency", "2", "--queues",
                          env["HRSYS_QUEUE"], "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
                         cwd=ROOT, env=env, stdout=open(work / "worker.log", "wb"), stderr=subprocess.STDOUT),  # noqa: SIM115
        subprocess.Popen([sys.executable, "-m", "celery", "-A", "hrsys", "beat", "--schedule",
                          str(work / "beat-schedule"), "--loglevel", "WARNING"],
                         cwd=ROOT, env=env, stdout=open(work / "beat.log", "wb"), stderr=subprocess.STDOUT),  # noqa: SIM115
    ]
    try:
        deadline = time.monotonic() + args.minutes * 60
        rng = random.Random(2026)
        rng.shuffle(new)
        tasks = [("hr", (port, name, deadline, jobs, applications, new[i::args.hr_users], i))
                 for i, name in enumerate(hr_names)]
        tasks += [("vendor", (port, "demo-ai", assessments[i::args.deliveries], deadline, i))
                  for i in range(args.deliveries)]
        tasks += [("clock", (port, token, clock_ids, deadline, i)) for i, token in enumerate(tokens)]
        rng.shuffle(tasks)
        processes = 2
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            parts = pool.map(_threads, [tasks[i::processes] for i in range(processes)])
        results = [item for part in parts for item in part]
        load_end = time.monotonic()

        # drain: every due message sent, every delivery processed, the queue empty
        import redis

        broker = redis.Redis.from_url(redis_url)
        drained = False
        while time.monotonic() < load_end + args.drain_minutes * 60:
            due = Notification.objects.filter(status__in=[Status.PENDING, Status.SENDING],
                                              next_attempt_at__lte=timezone.now()).count()
            waiting = Delivery.objects.filter(status=Delivery.Status.RECEIVED).count()
            if not due and not waiting and not broker.llen(env["HRSYS_QUEUE"]):
                drained = True
                break
            time.sleep(2)
        drain_seconds = time.monotonic() - load_end
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        try:
            redis.Redis.from_url(redis_url).delete(env["HRSYS_QUEUE"])
        except Exception:  # noqa: BLE001, S110 - the queue of a run that failed early: nothing to clear
            pass

    by_kind: dict[str, list] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    refused: dict[str, int] = defaultdict(int)
    sent_punches = accepted_punches = 0
    for item in results:
        kind, status, ms = item[0], item[1], item[2]
        by_kind[kind].append(ms)
        if status >= 500 or status == 0:
            errors[kind] += 1
        elif status >= 400:
            refused[kind] += 1
        if kind == "punch batch":
            sent_punches += item[3]
            accepted_punches += item[4] if status == 200 else 0
    stored_punches = Punch.objects.count() - punches_before
    deliveries = Delivery.objects.filter(vendor=vendor, invitation__assessment_id__startswith=f"BM-{run}-")
    delivered = sum(1 for item in results if item[0] == "AI result delivery" and item[1] in (200, 202))
    unsent = Notification.objects.filter(status__in=[Status.PENDING, Status.SENDING, Status.FAILED],
                                         idempotency_key__startswith=f"busy-{run}-").count()
    outbox_files = len([p for p in (work / "outbox").rglob("*") if p.is_file()]) if (work / "outbox").exists() else 0
    print(f"\n{'page / request':<26} {'requests':>8} {'median ms':>10} {'p95 ms':>8} {'5xx':>5} {'4xx':>5}")
    for kind in sorted(by_kind):
        times = sorted(by_kind[kind])
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(f"{kind:<26} {len(times):>8} {statistics.median(times):>10.1f} {p95:>8.1f} {errors[kind]:>5} "
              f"{refused[kind]:>5}")
    total = sum(len(v) for v in by_kind.values())
    server_errors = sum(errors.values())
    print(f"\nrequests: {total:,} in {args.minutes:g} min; server errors: {server_errors}; drained: {drained} "
          f"({drain_seconds:.0f} s after the load)")
    print(f"punches: {sent_punches:,} sent, {accepted_punches:,} accepted, {stored_punches:,} stored")
    print(f"AI deliveries: {delivered:,} answered 2xx, {deliveries.count():,} stored, "
          f"{deliveries.filter(status=Delivery.Status.PROCESSED).count():,} processed")
    print(f"reminders: {args.reminders:,} due, {args.reminders - unsent:,} sent, {unsent} not; "
          f"console outbox files: {outbox_files:,}")
    web_log = (work / "web.log").read_text(errors="replace")
    tracebacks = len(re.findall(r"Traceback", web_log))
    print(f"web log: {tracebacks} tracebacks")
    ok = (server_errors == 0 and drained and stored_punches == accepted_punches == sent_punches
          and deliveries.count() == delivered and unsent == 0 and tracebacks == 0)

    def fig(kind):
        times = sorted(by_kind.get(kind, [0]))
        return f"{kind} p95 {times[max(0, int(len(times) * 0.95) - 1)]:.0f} ms"

    print(f"README: a busy morning for {args.minutes:g} minutes (gunicorn 2x4, worker, beat; PostgreSQL, Redis): "
          f"{args.hr_users} HR users browsing and moving applications, {args.deliveries} AI vendors pushing at once, "
          f"{args.clocks} clocks, {args.reminders:,} reminders falling due | {total:,} requests, {server_errors} "
          f"server errors; {', '.join(fig(k) for k in ('Today', 'board', 'application page', 'admin application list', 'application list API', 'AI result delivery', 'punch batch', 'move on the board'))}; "
          f"{stored_punches:,} of {sent_punches:,} punches stored, {deliveries.count():,} of {delivered:,} AI "
          f"deliveries stored and processed, {args.reminders - unsent:,} of {args.reminders:,} reminders sent; "
          f"drained {drain_seconds:.0f} s after the load")
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
