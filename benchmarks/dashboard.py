"""Benchmark of the HR dashboards at scale (R-DASH-1, issue 9 item 8).

Seeds (bulk insert, once) 100,000 applications with their transition logs, AI interviews and offers,
1,000,000 notifications (interview reminders), AI interview results, and for every hire an employee file,
attendance account, probation review and in all 600,000 punches with their daily results; then prints each dashboard
page's render time (median of N runs) and query count, as HR staff (whole hospital) and as a department manager.

Today (the live to-do list) is printed next to its baseline, measured in the same run the same way: a trivial
authenticated page (session, user, the site layout, nothing read), so the ratio says what Today adds to any page.

Seeding 1,000,000 notifications takes about a quarter of an hour: it runs once per database (when its
``bench-hr`` user is missing); later runs reuse the data (``--today-only`` measures Today and the baseline alone).

    psql -h 127.0.0.1 -U root -d test -c 'create database hrsys_bench_dash'
    DATABASE_URL=postgres://root@127.0.0.1:5432/hrsys_bench_dash .venv/bin/python benchmarks/dashboard.py
    DATABASE_URL=postgres://root@127.0.0.1:5432/hrsys_bench_dash .venv/bin/python benchmarks/dashboard.py --today-only
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
import types
from pathlib import Path

from bench_db import sign_in  # benchmarks/, next to this script

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hrsys.settings")

STATES = [("hired", 0.05), ("rejected", 0.35), ("screening", 0.2), ("interviewing", 0.15), ("offer", 0.03),
          ("ai_invited", 0.1), ("ai_completed", 0.07), ("withdrawn", 0.05)]
PATHS = {
    "screening": ["screening"], "ai_invited": ["screening", "ai_invited"],
    "ai_completed": ["screening", "ai_invited", "ai_completed"], "interviewing": ["screening", "interviewing"],
    "offer": ["screening", "interviewing", "offer"], "hired": ["screening", "interviewing", "offer", "hired"],
    "rejected": ["screening", "rejected"], "withdrawn": ["screening", "interviewing", "withdrawn"],
}


def pick_state(r: float) -> str:
    acc = 0.0
    for state, p in STATES:
        acc += p
        if r <= acc:
            return state
    return STATES[-1][0]


def seed(args, out):  # noqa: PLR0915 - one linear script
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone

    from candidates.models import Application, Candidate, JobRequisition, TransitionLog
    from dashboard.models import CostRecord
    from dashboard.services import summaries_refresh
    from hrsys.accounts.models import Department, User
    from interviews.models import Interview
    from notifications.models import Notification
    from onboarding.models import Offer

    rnd = random.Random(9)
    now = timezone.now()
    t0 = time.monotonic()
    with transaction.atomic():
        hosp, _c = Department.objects.get_or_create(code="bench-hosp", defaults={"name": "医院", "kind": "organization"})
        depts = []
        for i in range(20):
            d, _c = Department.objects.get_or_create(code=f"bench-d{i}", defaults={"name": f"科室{i}", "parent": hosp})
            depts.append(d)
        hr, _c = User.objects.get_or_create(username="bench-hr", defaults={"role": "hr_staff", "is_staff": True})
        hr.departments.set([hosp])
        mgr, _c = User.objects.get_or_create(username="bench-mgr", defaults={"role": "manager", "is_staff": True})
        mgr.departments.set([depts[0]])
        jobs = JobRequisition.objects.bulk_create(
            [JobRequisition(department=depts[i % 20], title=f"岗位{i}", status="open") for i in range(200)])
    out(f"  departments, users, 200 jobs: {time.monotonic() - t0:.1f}s")
    n = args.applications
    batch = 5000
    sources = ["job_board", "referral", "campus", "agency", "website"]
    t0 = time.monotonic()
    for start in range(0, n, batch):
        with transaction.atomic():
            cands = Candidate.objects.bulk_create(
                [Candidate(name=f"候选人{start + i}", source="job_board") for i in range(min(batch, n - start))])
            apps, logs, interviews, offers = [], [], [], []
            for c in cands:
                state = pick_state(rnd.random())
                created = now - dt.timedelta(days=rnd.randint(1, 540), hours=rnd.randint(0, 23))
                apps.append(Application(candidate=c, job=rnd.choice(jobs), state=state, source=rnd.choice(sources),
                                        created_at=created, state_changed_at=created))
            Application.objects.bulk_create(apps)
            for a in apps:
                at, prev = a.created_at, "new"
                for step in PATHS[a.state]:
                    stay = dt.timedelta(days=rnd.randint(1, 9), hours=rnd.randint(0, 12))
                    at = at + stay
                    logs.append(TransitionLog(application=a, from_state=prev, to_state=step, at=at, transition=step,
                                              reason="资历不足" if step == "rejected" else "",
                                              stage_seconds=int(stay.total_seconds())))
                    prev = step
                    if step in ("ai_invited",):
                        s = at + dt.timedelta(days=1)
                        interviews.append(Interview(application=a, kind="ai", starts_at=s,
                                                    ends_at=s + dt.timedelta(minutes=20), ical_uid=f"b{a.pk}",
                                                    state="no_show" if rnd.random() < 0.15 else "completed"))
                if a.state in ("hired", "offer"):
                    offers.append(Offer(application=a, state="accepted" if a.state == "hired" else "sent",
                                        monthly_salary=Decimal(9000), start_date=now.date(), valid_until=now.date(),
                                        sent_at=at, responded_at=at if a.state == "hired" else None))
            TransitionLog.objects.bulk_create(logs)
            Interview.objects.bulk_create(interviews)
            Offer.objects.bulk_create(offers)
    out(f"  {n:,} applications with logs, AI interviews, offers: {time.monotonic() - t0:.1f}s")
    t0 = time.monotonic()
    interview_ids = list(Interview.objects.values_list("pk", flat=True)) or [0]
    statuses = ["delivered"] * 6 + ["read"] * 2 + ["failed", "sent"]
    for start in range(0, args.notifications, 10000):
        rows = []
        for i in range(start, min(args.notifications, start + 10000)):
            due = now - dt.timedelta(days=rnd.randint(0, 540))
            status = rnd.choice(statuses)
            rows.append(Notification(
                idempotency_key=f"bench-{i}", recipient_type="candidates.candidate", recipient_id=str(i),
                channel=rnd.choice(["sms", "sms", "email", "voice"]), template_key="interview_reminder", body="x",
                due_at=due, next_attempt_at=due, status=status, department=depts[i % 20],
                related_type="interviews.interview", related_id=str(rnd.choice(interview_ids)),
                read_at=due if status == "read" else None))
        Notification.objects.bulk_create(rows)
    out(f"  {args.notifications:,} notifications: {time.monotonic() - t0:.1f}s")
    CostRecord.objects.bulk_create([CostRecord(department=depts[i % 20], source=sources[i % 5], kind="job_board",
                                               month=(now - dt.timedelta(days=30 * (i % 12))).date().replace(day=1),
                                               amount=Decimal(1000 + i)) for i in range(240)])
    seed_ai_results(rnd, now, out)
    seed_after_hire(args, rnd, now, out)
    t0 = time.monotonic()
    rows = summaries_refresh(full=True)
    out(f"  reminder summary (full refresh): {rows:,} rows in {time.monotonic() - t0:.1f}s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


DIMENSIONS = ("logic", "communication", "stress_tolerance", "empathy")


def seed_ai_results(rnd, now, out):
    """An AI interview result for every hire and every application that completed one, and for a third of the
    rest: the insights and the attrition model read them."""
    from candidates.models import Application
    from interviews.ai.models import AIInterviewResult, Vendor

    t0 = time.monotonic()
    vendor, _c = Vendor.objects.get_or_create(slug="bench-ai", defaults={
        "name": "Bench AI", "adapter": "interviews.ai.adapters.generic.GenericAdapter",
        "signature_scheme": "hrsys-v1", "secret": "s" * 32})
    rows = []
    for pk, state in Application.objects.values_list("pk", "state").iterator(chunk_size=10000):
        if state not in ("hired", "ai_completed") and rnd.random() > 0.33:
            continue
        scores = {d: round(rnd.uniform(35, 98), 1) for d in DIMENSIONS}
        rows.append(AIInterviewResult(
            application_id=pk, vendor=vendor, vendor_result_id=f"bench-{pk}", decision="pass",
            overall_score=round(sum(scores.values()) / len(scores), 1),
            dimension_scores={d: {"raw": v, "scale": [0, 100], "score": v} for d, v in scores.items()},
            signals={"answer_seconds": rnd.randint(20, 90), "pauses": rnd.randint(0, 12)},
            received_at=now - dt.timedelta(days=rnd.randint(1, 540))))
    AIInterviewResult.objects.bulk_create(rows, batch_size=5000)
    out(f"  {len(rows):,} AI interview results: {time.monotonic() - t0:.1f}s")


def seed_after_hire(args, rnd, now, out):  # noqa: PLR0915 - one linear script
    """Every hire becomes an employee with an onboarding case, an attendance account, a probation review and
    ``args.punches`` punches in all (two a working day, the last days before today) with their daily results;
    people with low stress-tolerance scores leave more often, citing pressure (so the model has a signal)."""
    from decimal import Decimal

    from django.db import transaction

    from attendance.models import AttendanceAccount, DailyResult, Device, ProbationReview, Punch
    from candidates.models import Application
    from employees.models import Employee
    from interviews.ai.models import AIInterviewResult
    from onboarding.models import Offer, OnboardingCase

    t0 = time.monotonic()
    hires = list(Application.objects.filter(state="hired").select_related("job").order_by("pk")
                 .values_list("pk", "candidate_id", "job__department_id", "job__title", "created_at"))
    offers = dict(Offer.objects.filter(application_id__in=[h[0] for h in hires]).values_list("application_id", "pk"))
    stress = {pk: dims["stress_tolerance"]["score"] for pk, dims in AIInterviewResult.objects.filter(
        application__state="hired").values_list("application_id", "dimension_scores")}
    device = Device.objects.create(name="bench clock", department_id=hires[0][2])
    tz = dt.timezone(dt.timedelta(hours=8))
    days_each = max(1, -(-args.punches // (2 * len(hires))))  # rounded up: at least args.punches
    employees = []
    with transaction.atomic():
        cases = OnboardingCase.objects.bulk_create([
            OnboardingCase(offer_id=offers[pk], application_id=pk, candidate_id=cand, department_id=dept,
                           start_date=(created + dt.timedelta(days=30)).date(), state="completed")
            for pk, cand, dept, _title, created in hires], batch_size=5000)
        for case, (pk, _cand, dept, title, _created) in zip(cases, hires, strict=True):
            start = case.start_date
            leaves = rnd.random() < (0.45 if stress.get(pk, 70) < 55 else 0.1)
            last_day = start + dt.timedelta(days=rnd.randint(20, 330)) if leaves else None
            if last_day and last_day >= now.date():
                last_day = None
            reason = ("pressure" if stress.get(pk, 70) < 55 and rnd.random() < 0.6
                      else rnd.choice(["pay", "commute", "family", "development"])) if last_day else ""
            employees.append(Employee(case=case, candidate_id=case.candidate_id, application_id=pk,
                                      offer_id=case.offer_id, department_id=dept, name=f"员工{pk}", job_title=title,
                                      monthly_salary=Decimal(9000), start_date=start,
                                      state="left" if last_day else "active", exit_date=last_day,
                                      attrition_reason=reason, exit_note="夜班压力大" if reason == "pressure" else ""))
        Employee.objects.bulk_create(employees, batch_size=2000)
        accounts = AttendanceAccount.objects.bulk_create([
            AttendanceAccount(offer_id=e.offer_id, application_id=e.application_id, employee=e,
                              department_id=e.department_id, holder_name=e.name, clock_id=f"B{e.application_id:08d}",
                              state="revoked" if e.exit_date else "active", effective_date=e.start_date,
                              activated_at=dt.datetime.combine(e.start_date, dt.time(0), tzinfo=tz),
                              last_working_day=e.exit_date) for e in employees], batch_size=5000)
        reviews = []
        for account, e in zip(accounts, employees, strict=True):
            ends = e.start_date + dt.timedelta(days=91)
            decided = ends < now.date() and (e.exit_date is None or e.exit_date > ends)
            reviews.append(ProbationReview(
                account=account, application_id=e.application_id, department_id=e.department_id,
                starts_on=e.start_date, ends_on=ends,
                decision=("fail" if rnd.random() < 0.08 else "pass") if decided else ""))
        ProbationReview.objects.bulk_create(reviews, batch_size=5000)
    out(f"  {len(hires):,} employees, onboarding cases, accounts, probation reviews: {time.monotonic() - t0:.1f}s")
    t0 = time.monotonic()
    punches = results = 0
    for start in range(0, len(accounts), 500):
        punch_rows, day_rows = [], []
        for account, e in zip(accounts[start:start + 500], employees[start:start + 500], strict=True):
            last = min(e.exit_date or now.date(), now.date() - dt.timedelta(days=1))
            for n in range(days_each):
                day = last - dt.timedelta(days=n)
                late = rnd.choice([0] * 9 + [rnd.randint(6, 40)])
                first_in = dt.datetime.combine(day, dt.time(8, 55), tzinfo=tz) + dt.timedelta(minutes=late)
                last_out = dt.datetime.combine(day, dt.time(18, 2), tzinfo=tz)
                punch_rows += [Punch(device=device, account=account, dedup_key=f"{account.pk}-{n}-in",
                                     punched_at=first_in, direction="in"),
                               Punch(device=device, account=account, dedup_key=f"{account.pk}-{n}-out",
                                     punched_at=last_out, direction="out")]
                day_rows.append(DailyResult(account=account, department_id=e.department_id, work_date=day,
                                            stale=False, status="present", first_in=first_in, last_out=last_out,
                                            late_minutes=max(0, late - 5),
                                            worked_minutes=int((last_out - first_in).total_seconds() // 60),
                                            computed_at=now))
        with transaction.atomic():
            Punch.objects.bulk_create(punch_rows, batch_size=10000)
            DailyResult.objects.bulk_create(day_rows, batch_size=10000)
        punches += len(punch_rows)
        results += len(day_rows)
    out(f"  {punches:,} punches, {results:,} daily results: {time.monotonic() - t0:.1f}s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--notifications", type=int, default=1_000_000)
    parser.add_argument("--punches", type=int, default=600_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--today-only", action="store_true",
                        help="measure Today and its baseline only (no other page, no warming sweep)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from candidates.models import Application
    from hrsys.accounts.models import User
    from hrsys.accounts.scope import forget_cached_scope

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    if not User.objects.filter(username="bench-hr").exists():
        print("seeding:")
        seed(args, print)
    print(f"database: {connection.vendor}, applications: {Application.objects.count():,}")
    from notifications.models import Notification
    print(f"notifications: {Notification.objects.count():,}")
    from attendance.models import Punch
    from dashboard.attrition import attrition_train, current_model

    print(f"punches: {Punch.objects.count():,}")
    if current_model() is None:
        t0 = time.monotonic()
        model = attrition_train()
        print(f"attrition model: {model.status}, {model.samples:,} past hires, {time.monotonic() - t0:.1f}s")
    print(f"cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}")
    from django.contrib.auth.decorators import login_required
    from django.shortcuts import render
    from django.urls import clear_url_caches, include, path

    @login_required
    def trivial_page(request):
        """The baseline: what any staff page pays (session, user, the site layout) and nothing more."""
        return render(request, "base.html", {"title": "baseline"})

    urlconf = types.ModuleType("bench_dashboard_urls")
    urlconf.urlpatterns = [path("bench/trivial/", trivial_page), path("", include(settings.ROOT_URLCONF))]
    sys.modules[urlconf.__name__] = urlconf
    settings.ROOT_URLCONF = urlconf.__name__
    clear_url_caches()
    from hrsys.core.gc_tuning import freeze_loaded_objects

    freeze_loaded_objects()  # as gunicorn's workers do once the application is loaded (gunicorn.conf.py)
    pages = ["/dashboard/", "/dashboard/funnel/", "/dashboard/figures/", "/dashboard/sources/",
             "/dashboard/insights/", "/dashboard/attrition/", "/dashboard/export/funnel/?format=csv"]

    def measure(client, user, url):
        times, queries = [], 0
        for _ in range(args.runs):
            forget_cached_scope(user)
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get(url)
                if hasattr(response, "streaming_content"):
                    b"".join(response.streaming_content)
                times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            queries = max(queries, len(ctx))
        return statistics.median(times), max(times), queries

    print("\nToday (always live) next to the baseline, measured alternately in this run (median of "
          f"{args.runs} each):")
    today_figures = {}
    for username in ("bench-hr", "bench-mgr"):
        user = User.objects.get(username=username)
        client = Client()
        sign_in(client, user)
        client.get("/dashboard/")
        client.get("/bench/trivial/")
        today, base = [], []
        for _ in range(3):  # alternate, so a busy moment of the machine hits both
            today.append(measure(client, user, "/dashboard/"))
            base.append(measure(client, user, "/bench/trivial/"))
        today_ms = statistics.median(t[0] for t in today)
        base_ms = statistics.median(b[0] for b in base)
        print(f"  {username} ({user.role}): Today {today_ms:.0f} ms (max {max(t[1] for t in today):.0f}), "
              f"{today[0][2]} queries; baseline (trivial authenticated page) {base_ms:.0f} ms, {base[0][2]} queries; "
              f"ratio {today_ms / base_ms:.1f}x, Today adds {today_ms - base_ms:.0f} ms")
        today_figures[username] = (today_ms, today[0][2], base_ms)
    hr, mgr = today_figures["bench-hr"], today_figures["bench-mgr"]
    scale = (f"dashboard pages at {Application.objects.count():,} applications, {Notification.objects.count():,} "
             f"notifications, {Punch.objects.count():,} punches")
    today_text = (f"Today (always live) {hr[0]:.0f} ms HR / {mgr[0]:.0f} ms manager, {max(hr[1], mgr[1])} queries, "
                  f"beside a trivial authenticated page in the same run {hr[2]:.0f} / {mgr[2]:.0f} ms "
                  f"({hr[0] / hr[2]:.1f}x / {mgr[0] / mgr[2]:.1f}x)")
    if args.today_only:
        print(f"README: {scale} | {today_text}")
        return 0
    computed, served = {}, []

    for username in ("bench-hr", "bench-mgr"):
        user = User.objects.get(username=username)
        client = Client()
        sign_in(client, user)
        print(f"\nas {username} ({user.role}): computed (?refresh=1, what the sweep pays) | served (cached)")
        print(f"  {'page':40} {'median ms':>9} {'max ms':>7} {'queries':>7} | {'median ms':>9} {'queries':>7}")
        for url in pages:
            client.get(url)
            cold = measure(client, user, url + ("&" if "?" in url else "?") + "refresh=1")
            warm = measure(client, user, url)
            print(f"  {url:40} {cold[0]:9.0f} {cold[1]:7.0f} {cold[2]:7d} | {warm[0]:9.0f} {warm[2]:7d}")
            if url != "/dashboard/":
                computed[(username, url)] = cold[0]
                served.append(warm)
    from dashboard.cache import warm_figures

    t0 = time.monotonic()
    warmed = warm_figures()
    warm_seconds = time.monotonic() - t0
    print(f"\nwarming sweep: {warmed['viewers']} viewers, {warmed['figures']} figures in {warm_seconds:.1f}s")
    hr_pages = ", ".join(f"{url.strip('/').split('/')[-1]} {ms:.0f} ms" for (who, url), ms in computed.items()
                         if who == "bench-hr" and "export" not in url)
    mgr_ms = [ms for (who, url), ms in computed.items() if who == "bench-mgr" and "export" not in url]
    print(f"README: {scale} | {today_text}; served from the per-viewer cache: {min(w[0] for w in served):.0f}-"
          f"{max(w[0] for w in served):.0f} ms, {max(w[2] for w in served)} queries; computing a page (what the "
          f"warm-up task pays), HR for the whole hospital: {hr_pages}; a manager {min(mgr_ms):.0f}-{max(mgr_ms):.0f} "
          f"ms; warm-up of {warmed['viewers']} viewers ({warmed['figures']} figures) {warm_seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
