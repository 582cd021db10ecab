"""Links follow the port the server runs on (issue 15.5, R-NS-3): with ``PORT=8100`` and no ``PUBLIC_BASE_URL``,
message links and the ``/l/`` redirects point at :8100, in the web process and in the Celery worker that
honcho starts with a port of its own; ``make run`` prints the same addresses; an explicit ``PUBLIC_BASE_URL``
wins."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINT_BASE = ("import django; django.setup(); from django.conf import settings; from interviews import tokens; "
              "print(settings.PUBLIC_BASE_URL, tokens.public_url('confirm', 'abc'), flush=True)")


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PUBLIC_BASE_URL", "PORT")}
    env.update(DJANGO_SETTINGS_MODULE="hrsys.settings", **extra)
    return env


def _settings_say(**extra) -> list[str]:
    out = subprocess.run([sys.executable, "-c", PRINT_BASE], env=_env(**extra), cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True)
    return out.stdout.split()


def _make_run_lines(port: str) -> list[str]:
    """The recipe of ``make run`` as make would run it (``make -n`` prints it without running anything)."""
    out = subprocess.run(["make", "-n", "run"], env=_env(PORT=port), cwd=ROOT, capture_output=True, text=True,
                         timeout=60, check=True).stdout
    # under a parent make (CI runs `make test`), make -n also prints "make[1]: Entering / Leaving directory"
    return [line for line in out[out.index("collectstatic"):].splitlines()[1:] if not line.startswith("make[")]


def test_r_ns_3_port_8100_gives_links_on_8100_unless_public_base_url_is_set():
    """R-NS-3: the default base URL is the local server on PORT; PUBLIC_BASE_URL, when set, wins."""
    assert _settings_say(PORT="8100") == ["http://127.0.0.1:8100", "http://127.0.0.1:8100/interviews/c/abc/"]
    assert _settings_say()[0] == "http://127.0.0.1:8000"
    assert _settings_say(PORT="8100", PUBLIC_BASE_URL="https://hr.example.org/")[0] == "https://hr.example.org"


def test_make_run_prints_the_addresses_of_its_port():
    """`PORT=8100 make run` prints :8100 for the site, the sign-in and the dev outbox (where one-time codes
    are read), never :8000."""
    lines = _make_run_lines("8100")
    echo = "\n".join(line for line in lines if "honcho" not in line)
    printed = subprocess.run(["sh", "-c", echo], env=_env(PORT="8100"), capture_output=True, text=True,
                             timeout=30, check=True).stdout
    assert "http://127.0.0.1:8100/" in printed and "/admin/notifications/dev-outbox/" in printed
    assert "var/outbox/" in printed and ":8000" not in printed


@pytest.mark.slow
def test_r_ns_3_worker_started_by_make_run_writes_links_to_the_web_port(tmp_path):
    """honcho gives each process its own PORT (web 8100, worker 8200): the recipe's honcho line hands every
    process the web's address, so a message written by the worker links to :8100."""
    honcho_line = next(line for line in _make_run_lines("8100") if "honcho start" in line)
    procfile = tmp_path / "Procfile"
    show = shlex.quote(f"{PRINT_BASE}; import os, time; print('PORT', os.environ['PORT'], flush=True); time.sleep(8)")
    procfile.write_text(f"web: {sys.executable} -c {show}\nworker: {sys.executable} -c {show}\n")
    command = honcho_line.replace("-f Procfile", f"-f {procfile} -d {ROOT}").replace(
        ".venv/bin/honcho", str(Path(sys.executable).parent / "honcho"))
    out = subprocess.run(["sh", "-c", command], env=_env(PORT="8100"), cwd=ROOT, capture_output=True, text=True,
                         timeout=120).stdout
    assert "PORT 8100" in out and "PORT 8200" in out, out  # honcho's own per-process ports
    bases = [line.split("| ", 1)[1].split()[0] for line in out.splitlines() if "| http" in line]
    assert bases == ["http://127.0.0.1:8100", "http://127.0.0.1:8100"], out


@pytest.mark.django_db
def test_r_ns_3_message_links_and_redirects_use_the_base_url_of_the_port(settings, client):
    """R-NS-3: a message written with the PORT=8100 base URL carries /l/ links on :8100 that redirect to the
    confirmation page on :8100."""
    from notifications.default_templates import install_defaults
    from notifications.models import EscalationPolicy, MessageTemplate, TrackedLink
    from notifications.services import notification_create
    from notifications.types import Recipient

    settings.PUBLIC_BASE_URL = _settings_say(PORT="8100")[0]
    install_defaults(MessageTemplate, EscalationPolicy)
    from interviews import tokens

    confirm = tokens.public_url("confirm", "abc")
    n = notification_create(
        recipient=Recipient(type="demo.person", id="p1", name="张伟", phone="+8613800138000", language="zh-hans"),
        channel="sms", template_key="interview_reminder", idempotency_key="port-test",
        context={"job_title": "护士", "interview_time": "2026-03-04 09:00", "confirm_url": confirm,
                 "reschedule_url": ""})
    link = TrackedLink.objects.get(notification=n)
    assert f"http://127.0.0.1:8100/l/{link.token}" in n.body and ":8000" not in n.body
    response = client.get(f"/l/{link.token}")
    assert response.status_code == 302 and response["Location"] == confirm == "http://127.0.0.1:8100/interviews/c/abc/"
