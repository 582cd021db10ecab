"""Benchmark of attendance ingestion and the monthly probation report (R-ATT-3, R-ATT-4).

10,000 employees (active accounts in probation, 20 departments, a standard 09:00-18:00 day shift), one month
of punches (three a working day: arrival, lunch, departure -- about 600,000), uploaded in batches of 1,000
over the full HTTP stack of the test client (URL routing, middleware, device token authentication, validation,
idempotent bulk insert, marking the days for recalculation, the JSON report of every punch); a sample of batches
is sent again to show that duplicates are not counted. The baseline, measured in the same run on the same
batches: a bare DRF endpoint (no authentication, no validation, no report) that inserts the rows with one raw
SQL statement per batch -- what any endpoint storing these punches at least pays. Then the results sweep computes
the daily results, and the monthly probation report (counts, flags, AI scores, feedback) and the monthly
attendance report are timed.

    createdb: psql -h 127.0.0.1 -U root -d test -c 'create database hrsys_bench_att'
    DATABASE_URL=postgres://root@127.0.0.1:5432/hrsys_bench_att .venv/bin/python benchmarks/attendance.py
    options: --employees 10000 --batch 1000 --seed 7
             --ingest-only (stop after ingestion and the re-upload: to iterate on the punches API)
"""

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
import types
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hrsys.settings")

TZ = ZoneInfo("Asia/Shanghai")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-migrate", action="store_true")
    parser.add_argument("--ingest-only", action="store_true", help="stop after ingestion and the re-upload")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    if not args.no_migrate:
        call_command("migrate", verbosity=0)

    from attendance import selectors, services
    from attendance.models import (
        AccountState,
        AttendanceAccount,
        DailyResult,
        Device,
        ProbationReview,
        Punch,
        PunchRejection,
        ShiftTemplate,
    )
    from hrsys.accounts.models import Department, Role, User

    rng = random.Random(args.seed)
    today = timezone.localdate()
    month_start = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)  # the previous month
    month_end = today.replace(day=1) - dt.timedelta(days=1)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; month {month_start:%Y-%m}")

    # -- setup (not timed) -------------------------------------------------------------------------------
    t0 = time.perf_counter()
    root, _ = Department.objects.get_or_create(code="bench-att", defaults={"name": "基准医院", "kind": "organization"})
    depts = [Department.objects.get_or_create(code=f"bench-att-{i}", defaults={"name": f"科室{i}", "parent": root})[0]
             for i in range(20)]
    old = AttendanceAccount.objects.filter(department__in=depts)
    Punch.objects.filter(account__in=old).delete()
    PunchRejection.objects.filter(device__department=root).delete()
    DailyResult.objects.filter(account__in=old).delete()
    ProbationReview.objects.filter(account__in=old).delete()
    old.delete()
    Device.objects.filter(department=root).delete()
    ShiftTemplate.objects.filter(is_default=True).exclude(name="bench day").update(is_default=False)
    ShiftTemplate.objects.get_or_create(name="bench day", defaults={
        "start_time": dt.time(9), "end_time": dt.time(18), "grace_minutes": 5, "is_default": True})
    activated = dt.datetime.combine(month_start, dt.time(0), tzinfo=TZ)
    accounts = AttendanceAccount.objects.bulk_create([
        AttendanceAccount(department=depts[i % 20], holder_name=f"员工{i:05d}", state=AccountState.ACTIVE,
                          effective_date=month_start, activated_at=activated, clock_id=f"B{i:07d}",
                          door_groups=[f"dept:bench-att-{i % 20}"]) for i in range(args.employees)], batch_size=2000)
    accounts = list(AttendanceAccount.objects.filter(department__in=depts).order_by("pk"))
    ProbationReview.objects.bulk_create([
        ProbationReview(account=a, department_id=a.department_id, starts_on=month_start,
                        ends_on=services.add_months(month_start, 3) - dt.timedelta(days=1)) for a in accounts],
        batch_size=2000)
    director, _ = User.objects.get_or_create(username="bench-att-director", defaults={"role": Role.HR_DIRECTOR})
    device, token = services.device_create(actor="benchmark", name="bench clock", department_id=root.pk)
    from attendance.rules import public_calendar_workday

    workdays = [month_start + dt.timedelta(days=n) for n in range((month_end - month_start).days + 1)]
    workdays = [d for d in workdays if public_calendar_workday(d)[0]]
    punches = []
    for day in workdays:
        for a in accounts:
            late = rng.random() < 0.06
            arrive = dt.datetime.combine(day, dt.time(8, 30), tzinfo=TZ) + dt.timedelta(
                minutes=rng.randint(40, 90) if late else rng.randint(0, 34))
            lunch = dt.datetime.combine(day, dt.time(12, 0), tzinfo=TZ) + dt.timedelta(minutes=rng.randint(0, 50))
            leave = dt.datetime.combine(day, dt.time(18, 0), tzinfo=TZ) + dt.timedelta(minutes=rng.randint(-20, 60))
            for moment in (arrive, lunch, leave):
                punches.append({"clock_id": a.clock_id, "time": moment.isoformat(), "direction": ""})
    for seq, p in enumerate(punches):
        p["sequence"] = str(seq)
    # late and out-of-order uploads: batches arrive shuffled within a sliding window
    batches = [punches[i:i + args.batch] for i in range(0, len(punches), args.batch)]
    for i in range(0, len(batches) - 3, 4):
        window = batches[i:i + 4]
        rng.shuffle(window)
        batches[i:i + 4] = window
    print(f"setup: {len(accounts):,} accounts, {len(workdays)} working days, {len(punches):,} punches "
          f"in {len(batches)} batches ({time.perf_counter() - t0:.1f}s, not timed)")

    # -- ingestion over HTTP (test client: URL routing, middleware, rendering) ---------------------------------
    from django.conf import settings
    from django.db import transaction
    from django.test import Client
    from django.urls import clear_url_caches, include, path
    from rest_framework.permissions import AllowAny
    from rest_framework.response import Response
    from rest_framework.views import APIView

    baseline_device, _token = services.device_create(actor="benchmark", name="bench baseline", department_id=root.pk)

    class BarePunchInsert(APIView):
        """The baseline: parse the JSON, store the rows with one INSERT; nothing checked, nothing reported."""

        authentication_classes: list = []
        permission_classes = [AllowAny]

        def post(self, request):
            rows = request.data["punches"]
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO attendance_punch (device_id, account_id, dedup_key, punched_at, direction, source, "
                    "received_at) SELECT %s, a.id, u.seq, u.at, '', 'api', now() "
                    "FROM unnest(%s::varchar[], %s::varchar[], %s::timestamptz[]) AS u(clock_id, seq, at) "
                    "JOIN attendance_attendanceaccount a ON a.clock_id = u.clock_id ON CONFLICT DO NOTHING",
                    [baseline_device.pk, [r["clock_id"] for r in rows], [r["sequence"] for r in rows],
                     [r["time"] for r in rows]])
                return Response({"stored": cursor.rowcount})

    urlconf = types.ModuleType("bench_attendance_urls")
    urlconf.urlpatterns = [path("bench/bare-punches/", BarePunchInsert.as_view()),
                           path("", include(settings.ROOT_URLCONF))]
    sys.modules[urlconf.__name__] = urlconf
    settings.ROOT_URLCONF = urlconf.__name__
    settings.ALLOWED_HOSTS = ["*"]
    clear_url_caches()
    client = Client()
    bodies = [json.dumps({"punches": batch}) for batch in batches]  # what the devices send, encoded once

    def upload(body, url="/api/v1/attendance/punches/"):
        response = client.post(url, data=body, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Device {token}")
        assert response.status_code == 200, response.content[:500]
        return json.loads(response.content)

    # each batch goes to the punches API, then to the baseline: a busy moment of the machine hits both alike
    accepted = duplicate = rejected = stored = 0
    elapsed = base_elapsed = 0.0
    for body in bodies:
        t0 = time.perf_counter()
        report = upload(body)
        t1 = time.perf_counter()
        stored += upload(body, "/bench/bare-punches/")["stored"]
        base_elapsed += time.perf_counter() - t1
        elapsed += t1 - t0
        accepted += report["accepted"]
        duplicate += report["duplicate"]
        rejected += report["rejected"]
    rate, base_rate = accepted / elapsed, stored / base_elapsed
    print(f"ingestion: {accepted:,} accepted, {duplicate} duplicate, {rejected} rejected in {elapsed:.1f}s "
          f"= {rate:,.0f} punches/s ({len(batches) / elapsed:.1f} batches/s, "
          f"{elapsed / len(batches) * 1000:.0f} ms per batch of {args.batch})")
    print(f"baseline (bare DRF endpoint, one raw INSERT per batch, same batches, alternating): {stored:,} stored in "
          f"{base_elapsed:.1f}s = {base_rate:,.0f} punches/s ({base_elapsed / len(batches) * 1000:.0f} ms per batch)")
    print(f"ratio: the punches API runs at {rate / base_rate:.2f}x the baseline's rate")
    Punch.objects.filter(device=baseline_device).delete()
    t0 = time.perf_counter()
    again = [upload(body) for body in rng.sample(bodies, min(20, len(bodies)))]
    resent = sum(r["duplicate"] for r in again)
    print(f"re-upload of {len(again)} batches: {resent:,} duplicates, "
          f"{sum(r['accepted'] for r in again)} accepted ({time.perf_counter() - t0:.1f}s); "
          f"punches stored: {Punch.objects.filter(device=device).count():,} (expected {len(punches):,})")
    if args.ingest_only:
        return 0

    # -- daily results sweep ---------------------------------------------------------------------------------
    # "now" = the first minute after the month: the sweep judges exactly that month's days
    now = dt.datetime.combine(month_end + dt.timedelta(days=1), dt.time(0, 1), tzinfo=TZ)
    t0 = time.perf_counter()
    sweep_started = t0
    result = services.daily_results_refresh(now=now, backfill_days=(month_end - month_start).days + 1,
                                            limit=10 ** 7, chunk=5000)
    sweep_seconds = time.perf_counter() - sweep_started
    print(f"daily results sweep: {result['rows_created']:,} rows ensured, {result['computed']:,} computed in "
          f"{time.perf_counter() - t0:.1f}s")

    # -- reports ---------------------------------------------------------------------------------------------
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE attendance_dailyresult; ANALYZE attendance_punch; ANALYZE attendance_leaverequest")
    report_seconds = {}
    for label, fn in (("probation report", selectors.probation_report),
                      ("monthly attendance report", selectors.monthly_attendance_report)):
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            rows = fn(user=director, month=month_start)
            times.append(time.perf_counter() - t0)
        flagged = sum(1 for r in rows if r.get("flags"))
        extra = f", {flagged:,} flagged" if label.startswith("probation") else ""
        print(f"{label}: {len(rows):,} rows{extra}; best {min(times):.2f}s, first {times[0]:.2f}s")
        report_seconds[label] = min(times)
    print(f"README: {len(accounts):,} employees, one month of punches ({len(punches):,}) in batches of {args.batch:,} "
          f"over HTTP (test client), each batch also sent to a bare DRF endpoint storing it with one raw INSERT "
          f"(the baseline, alternating) | {rate:,.0f} punches/s through the API beside {base_rate:,.0f} punches/s "
          f"for the baseline ({rate / base_rate:.2f}x); re-upload: {resent:,} duplicates, none stored twice; results "
          f"sweep {result['computed']:,} days in {sweep_seconds:.0f} s; monthly probation report "
          f"{report_seconds['probation report']:.2f} s, monthly attendance report "
          f"{report_seconds['monthly attendance report']:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
