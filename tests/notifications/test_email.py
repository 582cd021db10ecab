"""Email through Django's SMTP backend to a real local SMTP server (aiosmtpd) (R-INT-3)."""

import email
import email.header
import socket

import pytest
from aiosmtpd.controller import Controller

from notifications.channels.email import message_id_for
from notifications.models import Status
from tests.notifications.conftest import reload

pytestmark = pytest.mark.django_db


class Collect:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.envelopes.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    controller.stop()


def test_email_with_html_and_ics_attachment_over_real_smtp(smtp_server, make_notification):
    ics = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    n = reload(make_notification(channel="email", template_key="interview_invitation", language="en",
                                 attachments=[("invite.ics", ics, "text/calendar")], run=True))
    assert n.status == Status.SENT and n.provider_message_id == message_id_for(n)
    envelope = smtp_server.envelopes[0]
    assert envelope.rcpt_tos == [n.recipient_email]
    message = email.message_from_bytes(envelope.content)
    assert message["Message-ID"] == message_id_for(n)
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    assert subject == "Interview invitation: 急诊科护士"
    types = [part.get_content_type() for part in message.walk()]
    assert {"text/plain", "text/html", "text/calendar"} <= set(types)
    attachment = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert attachment.get_filename() == "invite.ics" and b"METHOD:REQUEST" in attachment.get_payload(decode=True)


def test_message_id_is_deterministic_per_notification(make_notification):
    a, b = make_notification(channel="email"), make_notification(channel="email")
    assert message_id_for(a) == message_id_for(reload(a)) != message_id_for(b)


def test_smtp_down_is_a_transient_error(settings, make_notification):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()  # nobody listens
    n = reload(make_notification(channel="email", run=True))
    assert n.status == Status.PENDING and n.last_error_code == "smtp_unavailable"


@pytest.mark.no_daytime
def test_r_sec_8_smtp_refusing_for_ten_minutes_loses_nothing_and_sends_each_once(settings, make_notification,
                                                                                  outbox):
    """R-SEC-8 (issue 21 item 3): the mail server refuses connections for ten minutes while 20 e-mails are due.
    Retries back off, the backend is paused after five failures in a row instead of using up every message's
    tries, nothing fails; when the server answers again every message is delivered exactly once."""
    from datetime import UTC, datetime, timedelta

    import time_machine

    from notifications.models import Notification, ProviderCircuit

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()  # nobody listens yet
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.NOTIFICATIONS_CIRCUIT_THRESHOLD = 5
    settings.NOTIFICATIONS_CIRCUIT_OPEN_SECONDS = 180
    settings.NOTIFICATIONS_DISPATCH_BATCH = 5
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60
    start = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    with time_machine.travel(start, tick=False):
        ids = [make_notification(channel="email", idempotency_key=f"smtp-down:{i}", max_attempts=5).pk
               for i in range(20)]
    for minute in range(11):  # beat's sweep every minute while the server refuses
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            outbox.tick()
    rows = Notification.objects.filter(pk__in=ids)
    assert not rows.filter(status__in=[Status.SENT, Status.FAILED]).exists()
    assert max(rows.values_list("attempt_count", flat=True)) <= 3  # paused, not burning the five tries
    assert ProviderCircuit.objects.get(backend="email").opened_count >= 1

    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=settings.EMAIL_PORT)
    controller.start()  # the mail server answers again
    try:
        for minute in range(11, 40):
            with time_machine.travel(start + timedelta(minutes=minute), tick=False):
                outbox.tick()
            if rows.filter(status=Status.SENT).count() == 20:
                break
    finally:
        controller.stop()
    assert rows.filter(status=Status.SENT).count() == 20
    delivered = [email.message_from_bytes(e.content)["Message-ID"] for e in handler.envelopes]
    assert len(delivered) == 20 and len(set(delivered)) == 20
