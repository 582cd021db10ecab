"""Benchmark of the screening queue at scale (R-PIPE-5).

Measures, at N applications (default 100,000; generated with ``seed_demo --scale``
when the database has fewer):

* the application list API, page of 50, filtered and sorted by match score, as a
  department manager; beside it, in the same run, a bare DRF view answering 50 rows of the same table by raw
  SQL (the same middleware, session and authentication, no scope, no filters, no serializer): the list API's
  speed is printed as a share of that baseline, measured alternately with it (goal: at least 50 %);
* the admin application and candidate changelists, as HR staff (goal: at most 100 ms);
* the pipeline board of one job (R-UI-3, ``/workspace/jobs/<id>/board/``: columns, counts, 20 cards a column with
  the latest AI score and the next interview), as HR staff and as the department's manager, beside the admin
  changelist of the same job, and the jobs list with its counts per stage (goal for all of them, HR list pages:
  at most 100 ms at either size, printed on the README line);

printing the median and p95 latency and the queries per request, and checking that
the number of queries does not grow with the page size. With ``--then 1000000`` (what ``make bench`` runs) the
generated rows are then copied in SQL up to a million applications and every page is measured again: the list
API may take at most 1.5x as long, HR list pages still at most 100 ms.

    DATABASE_URL=postgres://root@127.0.0.1:5432/test .venv/bin/python benchmarks/pipeline.py

On PostgreSQL the script works in its own database, ``hrsys_bench_pipeline`` on the server DATABASE_URL names
(created when missing, kept between runs so the 100,000 rows are generated once; ``--database`` names another).
``--grown-database NAME`` grows to ``--then`` in a copy of it instead, kept too: the next run measures the first
size in the first database and reuses the grown one, without copying rows again.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hrsys.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--then", type=int, default=0, help="then copy rows up to this many applications (PostgreSQL) "
                        "and measure again: the list API may take at most 1.5x as long")
    parser.add_argument("--no-migrate", action="store_true")
    parser.add_argument("--database", default="hrsys_bench_pipeline", help="PostgreSQL database name to use")
    parser.add_argument("--grown-database", default="", help="with --then (PostgreSQL): grow in this database, a "
                        "copy of --database made when missing and reused when it holds --then applications already, "
                        "so that --database keeps its first size and repeated runs skip the copying")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):  # never the database DATABASE_URL names (tests and other runs use it)
        from urllib.parse import urlsplit, urlunsplit

        from bench_db import fresh_database  # benchmarks/, next to this script

        url = urlunsplit(urlsplit(url)._replace(path="/" + args.database))
        fresh_database(url)
        os.environ["DATABASE_URL"] = url

    import django

    django.setup()
    import logging

    from bench_db import sign_in  # benchmarks/, next to this script
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from candidates.models import Application, JobRequisition
    from hrsys.accounts.models import User
    from hrsys.accounts.scope import forget_cached_scope

    logging.getLogger("axes").setLevel(logging.WARNING)  # a login line per measured client otherwise
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    if not args.no_migrate:
        call_command("migrate", verbosity=0)
    have = Application.objects.count()
    if have < args.applications:
        started = time.monotonic()
        call_command("seed_demo", scale=args.applications - have, quiet_logins=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"seeded {args.applications - have} applications in {time.monotonic() - started:.1f}s")
    if connection.vendor == "postgresql":  # what autovacuum does in production: fresh statistics, visibility map
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE candidates_application")
    total = Application.objects.count()
    print(f"database: {connection.vendor}, applications: {total:,}")

    _install_raw_baseline(settings)
    from hrsys.core.gc_tuning import freeze_loaded_objects

    freeze_loaded_objects()  # as gunicorn's workers do once the application is loaded (gunicorn.conf.py)
    manager, hr = User.objects.get(username="er_manager"), User.objects.get(username="hr")
    job = JobRequisition.objects.filter(department__code="emergency", priority="urgent").first()

    def measure(user, url, runs, beside=None):
        """Median and p95 ms and the most queries of ``runs`` requests; with ``beside`` (a URL), each request
        alternates with one to it (the same client), so both see the same machine: returns its figures too."""
        client = Client()
        sign_in(client, user)
        urls = [url] if beside is None else [url, beside]
        for each in urls:
            client.get(each)  # warm up (connection, caches of the process)
        times, queries = {each: [] for each in urls}, {each: [] for each in urls}
        for _ in range(runs):
            for each in urls:
                forget_cached_scope(user)
                with CaptureQueriesContext(connection) as ctx:
                    t0 = time.perf_counter()
                    response = client.get(each)
                    times[each].append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, (each, response.status_code)
                queries[each].append(len(ctx))

        def figures(each):
            ordered = sorted(times[each])
            return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)], max(queries[each])

        return figures(url) if beside is None else (figures(url), figures(beside))

    cases = [
        ("API list, manager, page 50, filtered",
         manager, f"/api/v1/applications/?job={job.pk}&state=screening,new&ordering=-match_score&page_size=50",
         f"/api/v1/applications/?job={job.pk}&state=screening,new&ordering=-match_score&page_size=200"),
        ("API list, manager, page 50, unfiltered", manager, "/api/v1/applications/?page_size=50",
         "/api/v1/applications/?page_size=200"),
        ("admin changelist, HR staff", hr, "/admin/candidates/application/",
         "/admin/candidates/application/?state__exact=screening"),
        ("admin changelist, HR staff, score 80+ urgent", hr, "/admin/candidates/application/?score=80&priority=urgent",
         None),
        ("admin changelist, HR staff, the board's job", hr, f"/admin/candidates/application/?job={job.pk}", None),
        ("admin candidate changelist, HR staff", hr, "/admin/candidates/candidate/",
         "/admin/candidates/candidate/?source=referral"),
        ("board, HR staff (R-UI-3)", hr, f"/workspace/jobs/{job.pk}/board/",
         f"/workspace/jobs/{job.pk}/board/?closed=1&more=screening"),
        ("board, HR staff, score 60+, referral", hr, f"/workspace/jobs/{job.pk}/board/?min_score=60&source=referral",
         None),
        ("board, manager (read-only)", manager, f"/workspace/jobs/{job.pk}/board/", None),
        ("jobs list with counts per stage, HR staff", hr, "/workspace/jobs/", None),
    ]
    def run_cases(total: int) -> tuple[dict, bool]:
        print(f"\napplications: {total:,}; board job #{job.pk} {job.title}: "
              f"{Application.objects.filter(job=job).count():,} applications")
        print(f"{'case':<48} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
        ok, figures = True, {}
        for label, user, url, bigger in cases:
            share = ""
            if label.startswith("API list"):  # the goal: at least half the baseline's requests per second
                # measured alternately with the baseline (same manager, same client): a busy moment of the machine
                # slows both, not one of them
                (median, p95, q), baseline = measure(user, url, args.runs, beside=RAW_BASELINE_URL)
                baseline_ms = baseline[0]
                figures[f"baseline beside {label}"] = baseline
                share = f"  = {baseline_ms / median:.0%} of the baseline's speed ({baseline_ms:.1f} ms beside it)"
                ok &= baseline_ms / median >= 0.5
            else:
                median, p95, q = measure(user, url, args.runs)
            figures[label] = (median, p95, q)
            print(f"{label:<48} {median:>10.1f} {p95:>8.1f} {q:>8}{share}")
            if _hr_list_page(label):  # HR list pages: <= 100 ms at 100,000 and at 1,000,000 applications
                ok &= median <= 100
            if bigger:
                _m, _p, q_big = measure(user, bigger, 3)
                same = "same" if q_big == q else "DIFFERENT"
                print(f"{'  (queries at larger page / other filter: ' + str(q_big) + ', ' + same + ')':<48}")
                ok &= q_big == q or "admin" in label
            if label.startswith("board"):  # R-UI-3: <= 100 ms, <= 15 queries
                ok &= median <= 100 and q <= 15
        return figures, ok

    figures, ok = run_cases(total)
    job_count = Application.objects.filter(job=job).count()

    def fig(label, of=None):
        median, p95, q = (of or figures)[label]
        return f"{median:.1f} ms / p95 {p95:.1f} ms, {q} queries"

    def hr_goal(of=None):
        """The HR list pages' goal, and the pages that miss it."""
        slow = [label for label, (median, _p, _q) in (of or figures).items() if _hr_list_page(label) and median > 100]
        return "HR list pages <= 100 ms " + (f"not met ({'; '.join(slow)})" if slow else "met")

    jobs_list = "jobs list with counts per stage, HR staff"

    same_job = "admin changelist, HR staff, the board's job"
    filtered = "API list, manager, page 50, filtered"
    raw, api = figures[f"baseline beside {filtered}"][0], figures[filtered][0]
    grown = ""
    if args.then and args.then > total:
        # the same pages again at ``--then`` applications: the list API's latency may grow at most 1.5x
        started = time.monotonic()
        if args.grown_database and connection.vendor == "postgresql":
            _switch_to_copy(args.database, args.grown_database, migrate=not args.no_migrate)
            reused = Application.objects.count()
            if reused >= args.then:
                print(f"\nreusing {args.grown_database}: {reused:,} applications")
        bigger_total = _grow(args.then)
        print(f"\ngrew to {bigger_total:,} applications by copying the generated ones, vacuumed "
              f"({time.monotonic() - started:.0f} s)")
        big, big_ok = run_cases(bigger_total)
        ok &= big_ok
        growth = {label: big[label][0] / figures[label][0] for label in figures if not label.startswith("baseline")}
        for label, ratio in growth.items():
            print(f"{label:<48} {ratio:>9.2f}x at {bigger_total:,}")
        ok &= all(ratio <= 1.5 for label, ratio in growth.items() if label.startswith("API list"))
        worst = max(growth[label] for label in growth if label.startswith("API list"))
        grown = (f"; at {bigger_total:,} applications: API {fig(filtered, big)} ({worst:.2f}x of the {total:,} figure at "
                 f"most; goal <= 1.5x {'met' if worst <= 1.5 else 'not met'}), admin applications {fig('admin changelist, HR staff', big)}, candidates "
                 f"{fig('admin candidate changelist, HR staff', big)}, score 80+ urgent "
                 f"{fig('admin changelist, HR staff, score 80+ urgent', big)}, board (HR) "
                 f"{fig('board, HR staff (R-UI-3)', big)}, jobs list {fig(jobs_list, big)}; {hr_goal(big)}")
    print(f"README: application list API (manager, page of 50, filtered), HR admin lists of applications and "
          f"candidates, and the pipeline board of one job ({job_count:,} of the "
          f"{total:,} applications); beside them in the same run a bare DRF view answering 50 rows by raw SQL | "
          f"API {fig(filtered)} = {raw / api:.0%} of the raw-SQL view's speed (goal >= 50 % "
          f"{'met' if raw / api >= 0.5 else 'not met'}) "
          f"({fig(f'baseline beside {filtered}')}, measured alternately with it), unfiltered "
          f"{fig('API list, manager, page 50, unfiltered')}; admin applications {fig('admin changelist, HR staff')}, "
          f"candidates {fig('admin candidate changelist, HR staff')}; board (HR) {fig('board, HR staff (R-UI-3)')}, "
          f"beside that job's admin list {fig(same_job)}; manager's "
          f"read-only board {fig('board, manager (read-only)')}; jobs list with counts per stage {fig(jobs_list)}; "
          f"{hr_goal()}; query counts independent of page size and of cards"
          f"{grown}")
    return 0 if ok else 1


def _hr_list_page(label: str) -> bool:
    """The admin lists, the boards and the jobs list: at most 100 ms at either size."""
    return label.startswith(("admin", "board", "jobs list"))


def _switch_to_copy(source: str, name: str, *, migrate: bool) -> None:
    """Continue in database ``name`` on the same server: made from ``source`` (``CREATE DATABASE ... TEMPLATE``)
    when missing, else the one a previous run grew (migrated, so it has this code's tables and indexes)."""
    import psycopg2
    from django.core.management import call_command
    from django.db import connection, connections

    connections.close_all()  # a template may have no session open on it
    params = connection.settings_dict
    server = psycopg2.connect(host=params["HOST"] or None, port=params["PORT"] or None, user=params["USER"] or None,
                              password=params["PASSWORD"] or None, dbname="postgres")
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            started = time.monotonic()
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
            print(f"\ncopied {source} to {name} ({time.monotonic() - started:.0f} s)")
    server.close()
    connection.settings_dict["NAME"] = name
    if migrate:
        call_command("migrate", verbosity=0)


def _grow(target: int) -> int:
    """Copy the generated candidates (``seed_demo --scale``) with their applications, in SQL, until the table
    holds ``target`` applications: what a million applications cost to read, without an hour of seeding. The
    copies keep every column (encrypted, as stored), so pages read the same rows a real table would hold."""
    from django.db import connection, transaction

    from candidates.models import Application, Candidate, JobStageCount, SourceChannel

    cand_cols = [f.column for f in Candidate._meta.concrete_fields if not f.primary_key]
    app_cols = [f.column for f in Application._meta.concrete_fields if not f.primary_key and f.column != "candidate_id"]
    cand, app = Candidate._meta.db_table, Application._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {app}")
        total = cursor.fetchone()[0]
        cursor.execute(f"SELECT MAX(id) FROM {cand} WHERE source = %s", [SourceChannel.IMPORT])
        last_generated = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM {app} a JOIN {cand} c ON c.id = a.candidate_id "
                       f"WHERE c.source = %s AND c.id <= %s", [SourceChannel.IMPORT, last_generated])
        per_copy = cursor.fetchone()[0]
        while per_copy and total < target:
            with transaction.atomic():
                cursor.execute("CREATE TEMP TABLE bench_copy ON COMMIT DROP AS SELECT id AS old_id, "
                               f"nextval(pg_get_serial_sequence('{cand}', 'id')) AS new_id FROM {cand} "
                               "WHERE source = %s AND id <= %s", [SourceChannel.IMPORT, last_generated])
                cursor.execute(f"INSERT INTO {cand} (id, {', '.join(cand_cols)}) SELECT m.new_id, "
                               f"{', '.join('c.' + c for c in cand_cols)} FROM {cand} c JOIN bench_copy m "
                               "ON m.old_id = c.id")
                cursor.execute(f"INSERT INTO {app} (candidate_id, {', '.join(app_cols)}) SELECT m.new_id, "
                               f"{', '.join('a.' + c for c in app_cols)} FROM {app} a JOIN bench_copy m "
                               "ON m.old_id = a.candidate_id")
            total += per_copy
            print(f"  copies: {total:,} applications")
        cursor.execute(f"VACUUM ANALYZE {cand}")
        cursor.execute(f"VACUUM ANALYZE {app}")
        # what autovacuum does soon after (its thresholds there are low): the stage counters rewritten once for
        # every copied application
        cursor.execute(f"VACUUM ANALYZE {JobStageCount._meta.db_table}")
    return total


RAW_BASELINE_URL = "/bench/raw-applications/"


def _install_raw_baseline(settings) -> None:
    """Serve ``RAW_BASELINE_URL`` beside the project's URLs: the least a DRF endpoint answering 50 application
    rows can cost here (one raw SQL query, rows as dicts, the JSON renderer)."""
    import types

    from django.db import connection
    from django.urls import clear_url_caches, include, path
    from rest_framework.permissions import IsAuthenticated
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class RawApplications(APIView):
        permission_classes = [IsAuthenticated]

        def get(self, request):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT a.id, a.candidate_id, c.name AS candidate_name, a.job_id, j.title AS job_title, "
                    "j.department_id, d.name AS department_name, j.priority, a.state, a.source, a.match_score, "
                    "a.created_at, a.state_changed_at FROM candidates_application a "
                    "JOIN candidates_candidate c ON c.id = a.candidate_id "
                    "JOIN candidates_jobrequisition j ON j.id = a.job_id "
                    "JOIN accounts_department d ON d.id = j.department_id "
                    "ORDER BY a.created_at DESC, a.id DESC LIMIT 50")
                names = [col[0] for col in cursor.description]
                return Response({"results": [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]})

    urls = types.ModuleType("bench_pipeline_urls")
    urls.urlpatterns = [path(RAW_BASELINE_URL.strip("/") + "/", RawApplications.as_view()),
                        path("", include(settings.ROOT_URLCONF))]
    sys.modules[urls.__name__] = urls
    settings.ROOT_URLCONF = urls.__name__
    clear_url_caches()


if __name__ == "__main__":
    sys.exit(main())
