"""No one-time code, phone number, e-mail address, ID number or message text in any log line (R-SEC-2).

The console backends keep what they "send" in the development outbox (files, and a page for the system
administrator) instead of the log; every delivery logs one line with the recipient masked; expected 4xx
answers log one line without a traceback; ``/favicon.ico`` exists.
"""

import datetime as dt
import email
import email.policy
import io
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from hrsys.core.masking import ClientErrorFilter, RedactingFilter, install_on, mask_email, mask_phone, redact
from notifications import tasks as ntasks
from notifications.default_templates import install_defaults
from notifications.models import EscalationPolicy, MessageTemplate, Notification
from tests.candidates.factories import ApplicationFactory, CandidateFactory, JobFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SH = ZoneInfo("Asia/Shanghai")
PHONE = "+8613700000017"
PHONE_FORMS = ("+8613700000017", "8613700000017", "13700000017", "137 0000 0017", "137-0000-0017")
EMAIL = "li.wei@example.com"
ID_NUMBER = "11010519900101123X"
CODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
OUTBOX_EMAIL = "notifications.channels.dev_email.OutboxEmailBackend"


@pytest.fixture
def outbox_dir(settings, tmp_path):
    settings.DEV_OUTBOX_DIR = str(tmp_path / "outbox")
    settings.SMS_BACKEND = settings.VOICE_BACKEND = "console"
    settings.EMAIL_BACKEND = OUTBOX_EMAIL
    install_defaults(MessageTemplate, EscalationPolicy)  # a transactional test elsewhere may have flushed them
    return tmp_path / "outbox"


class Deliveries:
    """Delivery tasks enqueued on commit, run synchronously through the real Celery task."""

    def __init__(self, capture):
        self.ids: list[int] = []
        self.capture = capture
        self.outcomes: list[str] = []

    def run(self):
        while self.ids:
            notification_id = self.ids.pop(0)
            with self.capture(execute=True):
                self.outcomes.append(ntasks.deliver_notification.apply(args=(notification_id,)).get())


@pytest.fixture
def deliveries(monkeypatch, django_capture_on_commit_callbacks):
    box = Deliveries(django_capture_on_commit_callbacks)
    monkeypatch.setattr(ntasks, "enqueue_delivery", box.ids.append)
    return box


class Capture:
    """Everything logging and the process could print: every record at DEBUG from every logger, what the
    configured console handler writes, and stdout / stderr."""

    def __init__(self, caplog, capfd):
        self.caplog, self.capfd = caplog, capfd
        self.console = io.StringIO()
        self._handlers = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
        assert self._handlers, "the LOGGING console handler of settings is not on the root logger"
        self._streams = []

    def __enter__(self):
        self.caplog.set_level(logging.DEBUG)
        for name in list(logging.root.manager.loggerDict):
            self.caplog.set_level(logging.DEBUG, logger=name)
        self._streams = [h.setStream(self.console) for h in self._handlers]
        return self

    def __exit__(self, *exc):
        for handler, stream in zip(self._handlers, self._streams, strict=True):
            handler.setStream(stream)
        out, err = self.capfd.readouterr()
        self.printed = out + err

    def records(self) -> list[str]:
        formatter = logging.Formatter()
        texts = []
        for record in self.caplog.records:
            texts.append(f"{record.name} {record.getMessage()}")
            if record.exc_text or record.exc_info:  # the traceback as handlers print it
                texts.append(record.exc_text or formatter.formatException(record.exc_info))
            if record.stack_info:
                texts.append(record.stack_info)
        return texts

    def everything(self) -> str:
        return "\n".join([*self.records(), self.console.getvalue(), self.printed])


def _outbox_text(file: Path) -> str:
    """The message text of an outbox file (.txt: after the header block; .eml: the plain-text part)."""
    if file.suffix == ".eml":
        msg = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
        return msg.get_body(preferencelist=("plain",)).get_content()
    return file.read_text(encoding="utf-8").partition("\n\n")[2]


def _fragments(text: str) -> list[str]:
    """Lines of a message long enough to be recognised as its text (not a lone word or a blank line)."""
    return [line.strip() for line in text.splitlines() if len(line.strip()) >= 12]


def test_r_sec_2_sign_in_code_and_invitation_flow_leaves_nothing_personal_in_the_logs(
        users, org, outbox_dir, deliveries, caplog, capfd, settings):
    """R-SEC-2: a candidate asks for portal sign-in codes (SMS and e-mail), they go out through the console
    backends, the candidate signs in with one, and an interview invitation e-mail with its .ics goes out;
    with every logger at DEBUG, no record, console line or printed output holds a code, the phone number in
    any writing, the e-mail address, the ID number or a message text. The system administrator reads all of
    it in the development outbox."""
    from candidates.models import InterviewRound
    from interviews import services as interview_services

    job = JobFactory(department=org.emergency, title="急诊科护士")
    rnd = InterviewRound.objects.create(job=job, order=1, kind="clinical", duration_minutes=45)
    rnd.interviewers.set([users.interviewer])
    candidate = CandidateFactory(name="李伟", phone=PHONE, email=EMAIL, id_number=ID_NUMBER,
                                 preferred_language="zh-hans")
    app = ApplicationFactory(candidate=candidate, job=job, state="screening", created_by=users.hr)

    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=SH), tick=True), Capture(caplog, capfd) as cap:
        # 1. sign-in codes by SMS, then by e-mail on another device, asked for on the portal's own form;
        # 2. the candidate signs in with each code read where staff read it: the development outbox
        codes = {}
        for identifier, pattern in (("13700000017", "*-sms-*.txt"), (EMAIL, "*-email-*.eml")):
            device = Client()
            with deliveries.capture(execute=True):
                res = device.post("/portal/login/", {"step": "request", "identifier": identifier})
            assert res.status_code == 200
            deliveries.run()
            (file,) = outbox_dir.glob(pattern)
            codes[identifier] = CODE_RE.search(_outbox_text(file)).group(1)
            res = device.post("/portal/login/", {"step": "verify", "identifier": identifier,
                                                 "code": codes[identifier]})
            assert res.status_code == 302, "the code in the outbox signs the candidate in"
        # 3. an interview is booked: invitation e-mail with the .ics and an SMS
        with deliveries.capture(execute=True):
            interview = interview_services.interview_schedule(
                actor=users.hr, application_id=app.pk, kind="human", round_id=rnd.pk,
                interviewer_ids=[users.interviewer.pk], starts_at=dt.datetime(2026, 3, 5, 10, tzinfo=SH),
                check_availability=False)
        deliveries.run()

    sent = list(Notification.objects.filter(recipient_type="candidates.candidate", recipient_id=str(candidate.pk),
                                            status="sent"))  # (the reminders wait for their time)
    assert sorted((n.template_key, n.channel) for n in sent) == [
        ("interview_invitation", "email"), ("interview_invitation", "sms"),
        ("portal_sign_in_code", "email"), ("portal_sign_in_code", "sms")]
    # the texts as they went out: the sign-in codes are gone from the rows once sent, the outbox kept them
    sms_code, mail_code = codes["13700000017"], codes[EMAIL]
    sms_files = sorted(outbox_dir.glob("*-sms-*.txt"))
    eml_files = sorted(outbox_dir.glob("*-email-*.eml"))
    assert len(sms_files) == 2 and len(eml_files) == 3  # the third e-mail: the interviewer's invitation
    emails = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in eml_files]
    invitation = next(m for m in emails if m["To"] == EMAIL
                      and any(a.get_filename() == "invite.ics" for a in m.iter_attachments()))
    invited = Notification.objects.get(public_token=invitation["X-Hrsys-Notification"])
    assert invited.template_key == "interview_invitation" and invited.related_id == str(interview.pk)
    ics = next(a for a in invitation.iter_attachments() if a.get_filename() == "invite.ics")
    assert b"BEGIN:VCALENDAR" in ics.get_payload(decode=True)

    texts = [_outbox_text(f) for f in (*sms_files, *eml_files)]
    texts += [n.body for n in sent if n.template_key != "portal_sign_in_code"]
    secrets = [sms_code, mail_code, *PHONE_FORMS, EMAIL, EMAIL.upper(), ID_NUMBER, ID_NUMBER.lower()]
    secrets += [fragment for text in texts for fragment in _fragments(text)]
    assert len(secrets) > 12

    logged = cap.everything()
    leaks = [s for s in secrets if s in logged]
    assert leaks == [], f"personal values or message texts in the log: {leaks}"
    # the log is not simply empty: one line per message, recipient masked, status
    lines = [r for r in caplog.records if r.name == "notifications.services" and r.getMessage().startswith(
        "notification ")]
    delivered = {str(n.pk): n.channel for n in sent}
    for record in lines:
        assert record.levelno == logging.INFO
    per_notification = {m.group(1): m.group(0) for m in
                        (re.match(r"notification (\d+) \w+ to .+: \w+", r.getMessage()) for r in lines) if m}
    assert set(delivered) <= set(per_notification)
    assert len([r for r in lines if r.getMessage().split()[1] in delivered]) == len(delivered)
    for pk, channel in delivered.items():
        masked = mask_email(EMAIL) if channel == "email" else mask_phone(PHONE)
        assert per_notification[pk] == f"notification {pk} {channel} to {masked}: sent"
        assert per_notification[pk] in cap.console.getvalue()
    assert "MIME-Version" not in logged and "Content-Type: multipart" not in logged

    # staff read it all on the development outbox page (the system administrator)
    admin = Client()
    admin.force_login(users.admin)
    page = admin.get("/admin/notifications/dev-outbox/").content.decode()
    for value in (sms_code, mail_code, PHONE, EMAIL, "invite.ics"):
        assert value in page
    download = admin.get(f"/admin/notifications/dev-outbox/{eml_files[0].name}")
    assert download.status_code == 200 and download["Content-Type"] == "message/rfc822"
    assert b"".join(download.streaming_content) == eml_files[0].read_bytes()


def test_r_sec_2_console_sms_and_voice_write_the_outbox_not_the_log(outbox_dir, deliveries, caplog):
    """R-SEC-2: console SMS and voice keep one file per message; the log gets the masked line only."""
    from notifications.services import notification_create
    from notifications.types import Recipient

    recipient = Recipient(type="candidates.candidate", id=1, name="张伟", phone=PHONE, email=EMAIL,
                          language="zh-hans", time_zone="Asia/Shanghai")
    caplog.set_level(logging.DEBUG)
    with time_machine.travel("2026-11-23T02:00:00Z", tick=True):
        for channel in ("sms", "voice"):
            with deliveries.capture(execute=True):
                notification_create(recipient=recipient, channel=channel, template_key="interview_reminder",
                                    context={"job_title": "急诊科护士", "interview_time": "11-23 09:30",
                                             "location": "302", "confirm_url": "https://p.example.org/c/1",
                                             "reschedule_url": "https://p.example.org/r/1"},
                                    idempotency_key=f"hygiene:{channel}")
        deliveries.run()
    assert deliveries.outcomes == ["sent", "sent"]
    files = {f.name.split("-")[1]: f for f in outbox_dir.iterdir()}
    assert set(files) == {"sms", "voice"}
    for channel, file in files.items():
        n = Notification.objects.get(idempotency_key=f"hygiene:{channel}")
        content = file.read_text(encoding="utf-8")
        assert f"To: {PHONE}" in content and n.body in content and f"Notification: {n.pk}" in content
        assert oct(file.stat().st_mode & 0o777) == "0o600"
        logged = "\n".join(r.getMessage() for r in caplog.records)
        assert n.body not in logged and PHONE not in logged
        assert f"notification {n.pk} {channel} to +86 137****0017: sent" in logged


def test_r_sec_2_dev_outbox_page_only_for_the_system_administrator_and_only_with_console_backends(
        users, outbox_dir, settings):
    """R-SEC-2: HR staff (scoped) get 403; with Twilio and SMTP configured, or no directory, the page is 404."""
    hr, admin = Client(), Client()
    hr.force_login(users.hr)
    admin.force_login(users.admin)
    assert admin.get("/admin/notifications/dev-outbox/").status_code == 200
    assert hr.get("/admin/notifications/dev-outbox/").status_code == 403
    assert Client().get("/admin/notifications/dev-outbox/").status_code == 302  # to the admin login
    assert admin.get("/admin/notifications/dev-outbox/..%2Fsecrets.env").status_code == 404
    settings.SMS_BACKEND = settings.VOICE_BACKEND = "twilio"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert admin.get("/admin/notifications/dev-outbox/").status_code == 404
    settings.SMS_BACKEND = "console"
    settings.DEV_OUTBOX_DIR = ""
    assert admin.get("/admin/notifications/dev-outbox/").status_code == 404


def test_r_sec_2_outbox_email_backend_keeps_the_eml_and_logs_one_masked_line(outbox_dir, caplog, capfd):
    """R-SEC-2: mail outside notifications (a password reset) through the default backend: an .eml with its
    attachment, one masked log line, nothing printed."""
    from django.core.mail import EmailMessage

    caplog.set_level(logging.DEBUG)
    msg = EmailMessage("Reset", "Your reset code is 654321.", "no-reply@hrsys.local", [EMAIL])
    msg.attach("note.txt", b"attached", "text/plain")
    assert msg.send() == 1
    (file,) = outbox_dir.glob("*.eml")
    parsed = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == EMAIL and [a.get_filename() for a in parsed.iter_attachments()] == ["note.txt"]
    assert [r.getMessage() for r in caplog.records if r.name == "notifications.dev_email"] == [
        "email to l***@example.com: kept in the development outbox"]
    out, err = capfd.readouterr()
    assert "654321" not in out + err and "654321" not in caplog.text and EMAIL not in caplog.text


def test_r_sec_2_settings_never_choose_the_printing_console_email_backend(tmp_path):
    """R-SEC-2: the default e-mail backend, and an explicit EMAIL_BACKEND=...console..., are the outbox."""
    code = "from django.conf import settings; print(settings.EMAIL_BACKEND)"
    env = {k: v for k, v in os.environ.items() if k not in ("EMAIL_URL", "EMAIL_BACKEND")}
    env.update(DJANGO_SETTINGS_MODULE="hrsys.settings", HRSYS_BROKER_DIR=str(tmp_path / "broker"))
    for extra in ({}, {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}):
        out = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=ROOT,
                             env={**env, **extra}, capture_output=True, text=True, check=True).stdout
        assert out.strip() == OUTBOX_EMAIL


def test_r_sec_2_expected_403_is_one_short_line_without_traceback(users, outbox_dir, caplog):
    """R-SEC-2: a refused request (PermissionDenied) logs "Forbidden ..." once, without the traceback."""
    hr = Client()
    hr.force_login(users.hr)
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        with caplog.at_level(logging.DEBUG):
            assert hr.get("/admin/notifications/dev-outbox/").status_code == 403
            assert Client().get("/no-such-page/").status_code == 404
    finally:
        handler.setStream(old)
    refused = [r for r in caplog.records if r.name == "django.request"]
    assert [r.levelno for r in refused] == [logging.WARNING, logging.WARNING]
    assert all(r.exc_info is None for r in refused)
    output = stream.getvalue()
    assert "Forbidden (Permission denied): /admin/notifications/dev-outbox/" in output
    assert "Not Found: /no-such-page/" in output
    assert "Traceback" not in output and len(output.strip().splitlines()) == 2


def test_client_error_filter_keeps_tracebacks_of_server_errors():
    """A 500 keeps its traceback; only expected 4xx answers lose it."""
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        exc_info = sys.exc_info()
    for status, kept in ((403, False), (404, False), (500, True)):
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "x", (), exc_info)
        record.status_code = status
        assert ClientErrorFilter().filter(record)
        assert (record.exc_info is not None) is kept


def test_r_sec_2_masking_helpers():
    """R-SEC-2: the masked forms named in the issue, and redaction of free text (a second line of defence)."""
    assert mask_phone("+8613700000017") == mask_phone("13700000017") == "+86 137****0017"
    assert mask_email("li.wei@example.com") == "l***@example.com"
    text = redact(f"to {PHONE} / 137 0000 0017 / 137-0000-0017 id {ID_NUMBER} mail {EMAIL} at 2026-03-02 10:00:00")
    for value in (*PHONE_FORMS, ID_NUMBER, EMAIL):
        assert value not in text
    assert "+86 137****0017" in text and "l***@example.com" in text and "2026-03-02 10:00:00" in text
    task_id = "task 8a0b1c2d-1234-5678-9abc-def012345678 took 1234567 us"
    assert redact(task_id) == task_id


def test_r_sec_2_console_handler_and_worker_handlers_redact(caplog):
    """R-SEC-2: the LOGGING console handler masks a phone or address some library put in a message or a
    traceback; the Celery worker's own handlers get the same filters."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        try:
            raise ValueError(f"refused {EMAIL}")
        except ValueError:
            logging.getLogger("some.library").exception("call to %s failed", PHONE)
    finally:
        handler.setStream(old)
    output = stream.getvalue()
    assert "Traceback" in output and "+86 137****0017" in output and "l***@example.com" in output
    assert PHONE not in output and EMAIL not in output

    from hrsys.celery import _mask_worker_logs

    worker = logging.getLogger("test.worker.logger")
    worker_stream = io.StringIO()
    worker_handler = logging.StreamHandler(worker_stream)
    worker.addHandler(worker_handler)
    worker.propagate = False
    try:
        _mask_worker_logs(logger=worker)
        _mask_worker_logs(logger=worker)  # signals may fire twice: one set of filters
        assert sum(isinstance(f, RedactingFilter) for f in worker_handler.filters) == 1
        worker.warning("SMS to %s", PHONE)
    finally:
        worker.removeHandler(worker_handler)
    assert worker_stream.getvalue().strip() == "SMS to +86 137****0017"
    install_on(logging.getLogger("test.nohandlers"))  # a logger without handlers: nothing to do


def test_r_sec_2_every_configured_log_handler_masks(settings):
    """R-SEC-2: no logger Django configures keeps a handler that prints without the filters (Django's own
    "django" console and mail_admins handlers survive a LOGGING that does not name that logger)."""
    from django.utils.log import DEFAULT_LOGGING

    names = {"", *DEFAULT_LOGGING["loggers"], *settings.LOGGING["loggers"]}
    loggers = [logging.getLogger(n) if n else logging.getLogger() for n in names]
    unfiltered = [(logger.name, type(h).__name__) for logger in loggers for h in logger.handlers
                  if not type(h).__module__.startswith("_pytest") and not isinstance(h, logging.NullHandler)
                  and not any(isinstance(f, RedactingFilter) for f in h.filters)]
    assert unfiltered == []


def test_favicon_is_served_and_linked(client):
    """/favicon.ico is not a 404 (it was, on every page view); the base templates link the icon."""
    res = client.get("/favicon.ico")
    assert res.status_code == 301 and res["Location"] == "/static/favicon.ico"
    icon = client.get(res["Location"])
    assert icon.status_code == 200 and b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"
    assert client.get("/static/favicon.svg").status_code == 200
    for template in ("templates/base.html", "portal/templates/portal/base_portal.html",
                     "templates/admin/base_site.html"):
        assert 'rel="icon"' in (ROOT / template).read_text(encoding="utf-8")
    assert 'rel="icon"' in client.get("/admin/login/").content.decode()
