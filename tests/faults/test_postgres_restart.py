"""PostgreSQL restarted under traffic (R-SEC-8; issue 21 item 2).

The web server runs as production does (gunicorn, the Procfile's web command) against a throwaway PostgreSQL of
this test's own, which the test stops and starts again: while it is down every page answers 503 with
``Retry-After`` (a page that reads nothing from the database, the API its error format, ``/healthz`` naming the
database), never a traceback; the first request after it is back is served (kept connections are checked
before reuse), and what a user saved before the restart is there after it. A Celery worker and beat run against
the same database: messages due while the database was away are all sent afterwards, each once.
"""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import wait_until
from tests.faults.pg_cluster import ThrowawayCluster, free_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _get(url: str) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)
    except urllib.error.URLError:
        return 0, b"", {}  # not listening (yet)


@pytest.fixture
def cluster(tmp_path_factory):
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL fault")
    made = ThrowawayCluster(Path(f"/tmp/hrsys-pg-{os.getpid()}-{time.monotonic_ns()}"))
    if not made.available:
        pytest.skip("initdb / pg_ctl not installed")
    made.create()
    # the schema and the migrations' data, as the test database holds them (the same server version's tools)
    source = connection.settings_dict
    subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(made.port), "-U", "root", "hrsys"], check=True)
    dump = subprocess.run(["pg_dump", "-h", source["HOST"] or "127.0.0.1", "-p", str(source["PORT"] or 5432), "-U",
                           source["USER"], "-Fc", source["NAME"]], check=True, capture_output=True).stdout
    subprocess.run(["pg_restore", "-h", "127.0.0.1", "-p", str(made.port), "-U", "root", "-d", "hrsys",
                    "--no-owner"], input=dump, check=True, capture_output=True)
    yield made
    made.destroy()


def _environment(cluster, tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("HRSYS_TESTING", "PYTEST_XDIST_WORKER")}
    env.update(DATABASE_URL=cluster.url("hrsys"), DEV_OUTBOX_DIR=str(tmp_path / "outbox"), LOG_LEVEL="WARNING",
               HRSYS_QUEUE=f"fault-{os.getpid()}", HRSYS_BROKER_DIR=str(tmp_path / "broker"),
               SERVICE_RETRY_AFTER_SECONDS="20", **extra)
    env.pop("REDIS_URL", None)  # the embedded filesystem broker: this fault is the database's
    return env


def test_r_sec_8_web_answers_503_while_postgres_restarts_then_serves_again(cluster, tmp_path):
    port = free_port()
    web = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "hrsys.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "2"], cwd=ROOT, env=_environment(cluster, tmp_path),
        stdout=subprocess.DEVNULL, stderr=open(tmp_path / "web.log", "wb"))  # noqa: SIM115 - closed with the process
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _get(base + "/healthz")[0] == 200, timeout=90, interval=0.5,
                   message=f"gunicorn answering; log: {(tmp_path / 'web.log').read_text(errors='replace')[-2000:]}")
        assert _get(base + "/careers/")[0] == 200

        cluster.stop()
        status, body, headers = _get(base + "/careers/")
        assert status == 503 and headers["Retry-After"] == "20"
        page = body.decode()
        assert 'id="service-unavailable"' in page and "Traceback" not in page
        status, body, headers = _get(base + "/api/v1/public/jobs/")
        assert status == 503 and headers["Retry-After"] == "20"
        assert json.loads(body)["error"]["code"] == "service_unavailable"
        status, body, _headers = _get(base + "/healthz")
        assert status == 503 and json.loads(body)["database"].startswith("error")

        cluster.start()
        cluster.wait_ready()
        assert _get(base + "/careers/")[0] == 200  # the first request after the restart: no failure left over
        assert _get(base + "/healthz")[0] == 200
        log = (tmp_path / "web.log").read_text(errors="replace")
        assert "Traceback" not in log or "OperationalError" in log  # the outage is logged, nothing else failed
    finally:
        web.terminate()
        web.wait(30)


def _tick_runs(cluster) -> int:
    import psycopg2

    with psycopg2.connect(host="127.0.0.1", port=cluster.port, user="root", dbname="hrsys") as conn:
        with conn.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM core_tickrun WHERE source = 'beat'")
            return cursor.fetchone()[0]


def test_r_sec_8_messages_due_while_postgres_was_down_are_sent_once_after(cluster, tmp_path):
    env = _environment(cluster, tmp_path, HR_TICK_SECONDS="1", NOTIFICATIONS_LEASE_SECONDS="5")
    count = 30
    create = (
        "from django.utils import timezone\n"
        "from notifications.default_templates import install_defaults\n"
        "from notifications.models import EscalationPolicy, MessageTemplate\n"
        "from notifications.services import notification_create\n"
        "from notifications.types import Recipient\n"
        "install_defaults(MessageTemplate, EscalationPolicy)\n"
        f"for i in range({count}):\n"
        "    notification_create(recipient=Recipient(type='candidates.candidate', id=i, name='候选人', "
        "phone='+86138%08d' % i), channel='sms', template_key='generic_message', context={'message': 'm', "
        "'subject': 's'}, idempotency_key='pg-restart:%d' % i, due_at=timezone.now(), ignore_quiet_hours=True)\n")
    subprocess.run([sys.executable, "manage.py", "shell", "-c", create], cwd=ROOT, env=env, check=True, timeout=120)
    cluster.stop()  # down before a worker or beat has run: they start, and tick, into the outage
    log_path = tmp_path / "celery.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed below
    celery = [sys.executable, "-m", "celery", "-A", "hrsys"]
    procs = [subprocess.Popen([*celery, "worker", "--concurrency", "2", "--queues", env["HRSYS_QUEUE"],
                               "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True),
             subprocess.Popen([*celery, "beat", "--schedule", str(tmp_path / "beat-schedule"), "--loglevel", "INFO"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)]
    outbox = tmp_path / "outbox"
    try:
        # a few ticks fail against the missing database (what the worker logs), then it comes back
        wait_until(lambda: log_path.read_text(errors="replace").count("OperationalError") >= 3, timeout=120,
                   message="ticks failing while the database is down; log: "
                   + log_path.read_text(errors="replace")[-2000:])
        cluster.start()
        cluster.wait_ready()

        def sent():
            return outbox.exists() and len([p for p in outbox.glob("**/*") if p.is_file()]) >= count

        wait_until(sent, timeout=180, interval=1, message="every message sent after the database came back; log: "
                   + log_path.read_text(errors="replace")[-3000:])
        ticks = _tick_runs(cluster)
        wait_until(lambda: _tick_runs(cluster) >= ticks + 3, timeout=60, message="three more ticks")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
        log.close()
    files = [p for p in outbox.glob("**/*") if p.is_file()]
    sent_ids = Counter(line.split(":", 1)[1].strip() for p in files for line in p.read_text().splitlines()
                       if line.startswith("Notification:"))
    assert len(sent_ids) == count and set(sent_ids.values()) == {1}, sent_ids  # each message once, none lost


def test_r_sec_8_a_move_during_the_outage_is_refused_whole_and_made_once_after(cluster, tmp_path):
    """A move asked for while PostgreSQL is down answers 503 and leaves no trace (no half-written transition: the
    application's stage and its history as before); asked again once it is back, it is made once."""
    make_world = (
        "from candidates.models import Application, Candidate, JobRequisition\n"
        "from hrsys.accounts.models import Department, User\n"
        "from rest_framework.authtoken.models import Token\n"
        "org = Department.objects.create(code='f-org', name='医院', kind='organization')\n"
        "dept = Department.objects.create(code='f-er', name='急诊科', parent=org)\n"
        "hr = User.objects.create_user(username='f-hr', password='x', role='hr_staff')\n"
        "hr.departments.add(org)\n"
        "job = JobRequisition.objects.create(department=dept, title='护士', status='open')\n"
        "app = Application.objects.create(candidate=Candidate.objects.create(name='张三'), job=job, state='new')\n"
        "print(Token.objects.create(user=hr).key, app.pk)\n")
    env = _environment(cluster, tmp_path, STAFF_2FA_REQUIRED_ROLES="")
    made = subprocess.run([sys.executable, "manage.py", "shell", "-c", make_world], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, timeout=120)
    token, app_id = made.stdout.split()[-2:]
    port = free_port()
    web = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "hrsys.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "2"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "web.log", "wb"))  # noqa: SIM115 - closed with the process
    base = f"http://127.0.0.1:{port}"

    def move():
        request = urllib.request.Request(f"{base}/api/v1/applications/{app_id}/transitions/screen/", data=b"{}",
                                         method="POST", headers={"Authorization": f"Token {token}",
                                                                 "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def stage_and_history():
        import psycopg2

        with psycopg2.connect(host="127.0.0.1", port=cluster.port, user="root", dbname="hrsys") as conn:
            with conn.cursor() as cursor:
                cursor.execute("SELECT state FROM candidates_application WHERE id = %s", [app_id])
                state = cursor.fetchone()[0]
                cursor.execute("SELECT COUNT(*) FROM candidates_transitionlog WHERE application_id = %s", [app_id])
                return state, cursor.fetchone()[0]

    try:
        wait_until(lambda: _get(base + "/healthz")[0] == 200, timeout=90, interval=0.5, message="gunicorn answering")
        cluster.stop()
        status, body = move()
        assert status == 503 and body["error"]["code"] == "service_unavailable"
        cluster.start()
        cluster.wait_ready()
        assert stage_and_history() == ("new", 0)  # nothing of the refused move was written
        status, _body = move()
        assert status == 200
        assert stage_and_history() == ("screening", 1)
        assert move()[0] == 409  # and not twice
    finally:
        web.terminate()
        web.wait(30)
