"""What the benchmarks share: the database a benchmark runs in (a fresh SQLite file, or a PostgreSQL database
created when missing), a free port, gunicorn started as the Procfile runs it, staff signed in as people are."""

import http.client
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fresh_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    from urllib.parse import urlsplit

    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username,
                            password=parts.password, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def sign_in(client, user) -> None:
    """``client`` signed in as ``user`` the way a person is: the password (``force_login``) and, for staff who sign
    in with two factors (R-SEC-9), the code -- the session marked as verified with their authenticator (one made
    for the run where they have none), so a page measures the page, not the redirect to the code form."""
    from django_otp import DEVICE_ID_SESSION_KEY  # noqa: PLC0415 - Django is set up by the calling script
    from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: PLC0415 - as above

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="benchmark", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int, threads: int, env: dict, *, app: str = "hrsys.wsgi:application",
                   stderr=None) -> subprocess.Popen:
    """gunicorn on ``port`` (``gunicorn.conf.py`` of the project root, as the Procfile runs it), returned once it
    answers ``/healthz``; ``app`` ``bench_wsgi:application`` adds the bare DRF baseline (benchmarks/bench_wsgi.py)."""
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), app, "--pythonpath", str(ROOT / "benchmarks"), "--chdir",
         str(ROOT), "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
         "--log-level", "warning", "--backlog", "256"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")
