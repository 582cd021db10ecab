"""The log of the processes `make run` starts, read as a new user reads it (issue 15.7, R-SEC-2).

gunicorn with the Procfile's web command and a real Celery worker, both with the settings `make run` gives them
(no EMAIL_URL, no Twilio: the development outbox; not in test mode): a message with its .ics goes out, staff hit
a page they may not open (403) and one that does not exist (404), the browser asks for /favicon.ico. The logs
then hold one line for the message with the recipient masked, no MIME (no headers, no VTIMEZONE), no traceback,
no clear phone number or e-mail address; the favicon is served.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import wait_until

ROOT = Path(__file__).resolve().parents[2]
PHONE = "+8613700000017"
EMAIL = "li.wei@example.com"
STAFF_PHONE = "+8613900000099"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _web_command(port: int) -> list[str]:
    """The Procfile's web line, as honcho would run it on ``port``."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    words = line.split(":", 1)[1].replace("${PORT}", str(port)).split()
    return [str(Path(sys.executable).parent / words[0]), *words[1:]]


class Browser:
    """A staff member's browser: cookies, CSRF token, no redirects followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), self._NoRedirect)

    def get(self, path: str) -> tuple[int, bytes, dict]:
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)

    def login(self, username: str, password: str) -> int:
        _status, page, _h = self.get("/admin/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password,
                                       "next": "/start/"}).encode()
        request = urllib.request.Request(self.base + "/admin/login/", data=data,
                                         headers={"Referer": self.base + "/admin/login/"})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


@pytest.fixture
def make_run(celery_worker_process, tmp_path, settings, monkeypatch):
    """Worker and web started as `make run` starts them, sharing the test database."""
    outbox = tmp_path / "outbox"
    for name in ("EMAIL_URL", "EMAIL_BACKEND", "SMS_BACKEND", "VOICE_BACKEND", "TWILIO_ACCOUNT_SID"):
        monkeypatch.delenv(name, raising=False)  # make run has none of them: the development outbox
    env = {"DEV_OUTBOX_DIR": str(outbox), "DEBUG": "0", "LOG_LEVEL": "INFO"}
    settings.DEV_OUTBOX_DIR = str(outbox)
    # the worker runs with HRSYS_TESTING=1 (its test queue); for logging and mail that changes nothing but the
    # outbox directory's default, given here. The web runs as make run's: static files as whitenoise serves them.
    worker = celery_worker_process.start(**env)
    port = _free_port()
    # the staff member signs in with the password alone (two-factor sign-in: tests/accounts/test_two_factor.py)
    web_env = {**worker.env("filesystem", **env), "HRSYS_TESTING": "0", "PORT": str(port),
               "STAFF_2FA_REQUIRED_ROLES": ""}
    # make run's own step before honcho: whitenoise serves /static/ from the collected files
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], env=web_env, cwd=ROOT,
                   check=True, timeout=300, capture_output=True)
    web_log = open(tmp_path / "web.log", "ab")
    web = subprocess.Popen(_web_command(port), env=web_env, cwd=ROOT, stdout=web_log, stderr=subprocess.STDOUT,
                           start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def healthy():
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        wait_until(healthy, timeout=90, message="gunicorn answering /healthz")
        yield type("MakeRun", (), {"base": base, "outbox": outbox, "worker": worker,
                                   "web_log": lambda: (tmp_path / "web.log").read_text(errors="replace")})
    finally:
        import signal

        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=20)


@pytest.mark.slow
def test_r_sec_2_make_run_logs_one_masked_line_per_message_no_mime_no_tracebacks(make_run, settings):
    """R-SEC-2 (issue 15.7): a message with an .ics, a 403 and a 404 under the processes of `make run`."""
    from django.db import transaction

    from notifications.default_templates import install_defaults
    from notifications.models import EscalationPolicy, MessageTemplate, Notification
    from notifications.services import notification_create
    from notifications.types import Recipient
    from tests.factories import PASSWORD, UserFactory

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # what the web process reads
    install_defaults(MessageTemplate, EscalationPolicy)
    UserFactory(username="hr_log", role="hr_staff", phone=STAFF_PHONE)
    ics = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai\r\n"
           b"END:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:x@hrsys\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    with transaction.atomic():
        note = notification_create(
            recipient=Recipient(type="demo.person", id="log-1", name="李伟", phone=PHONE, email=EMAIL,
                                language="zh-hans"),
            channel="email", template_key="interview_invitation", idempotency_key="make-run-log-1",
            context={"job_title": "护士", "interview_time": "2026-03-04 09:00", "location": "门诊楼 302",
                     "confirm_url": make_run.base + "/portal/", "reschedule_url": ""},
            attachments=[("invite.ics", ics, "text/calendar; method=REQUEST")],
            ignore_quiet_hours=True)  # this test reads logs at any hour; quiet hours would hold the e-mail till 08:00
    wait_until(lambda: Notification.objects.get(pk=note.pk).status == "sent", timeout=90,
               message="the worker sending the e-mail")
    assert list(make_run.outbox.glob("*.eml")), "the e-mail is kept in the development outbox"

    browser = Browser(make_run.base)
    assert browser.login("hr_log", PASSWORD) == 302
    forbidden, _body, _h = browser.get("/admin/notifications/dev-outbox/")  # the system administrator's page
    missing, _body, _h = browser.get("/workspace/no-such-page/")
    favicon, _body, headers = browser.get("/favicon.ico")
    static_icon, icon, icon_headers = browser.get("/static/favicon.ico")
    assert (forbidden, missing, favicon, static_icon) == (403, 404, 301, 200)
    assert headers["Location"].endswith("/static/favicon.ico")
    assert icon_headers["Content-Type"].startswith("image/") and len(icon) > 100
    time.sleep(1)  # let both processes flush their last lines

    worker_log, web_log = make_run.worker.log(), make_run.web_log()
    both = worker_log + web_log
    sent_lines = [line for line in worker_log.splitlines() if f"notification {note.pk} " in line]
    assert len(sent_lines) == 1 and "l***@example.com" in sent_lines[0] and "sent" in sent_lines[0], sent_lines
    for secret in (EMAIL, PHONE, PHONE[3:], STAFF_PHONE, "李伟"):
        assert secret not in both, secret
    for mime in ("Content-Type:", "MIME-Version", "BEGIN:VCALENDAR", "VTIMEZONE", "Subject:", "门诊楼"):
        assert mime not in both, mime
    assert "Traceback" not in both, both[-3000:]
    # each refused or missing page is one line of django.request, then gunicorn's access line
    assert len(re.findall(r"Forbidden \(Permission denied\): /admin/notifications/dev-outbox/", web_log)) == 1
    assert len(re.findall(r"Not Found: /workspace/no-such-page/", web_log)) == 1
    assert "UserWarning" not in web_log, web_log[-3000:]  # e.g. whitenoise missing the collected files
