from contextlib import contextmanager

import pytest

from notifications import tasks as _tasks
from notifications.default_templates import install_defaults
from notifications.models import EscalationPolicy, MessageTemplate
from tests.notifications.fake_twilio import FakeTwilio

AUTH_TOKEN = "12345"
ACCOUNT_SID = "AC" + "0" * 32
PUBLIC = "https://hr.example.org"
REAL_ENQUEUE = _tasks.enqueue_delivery
REAL_ENQUEUE_BATCHES = _tasks.enqueue_deliveries


@pytest.fixture(autouse=True)
def _defaults(request, settings):
    settings.PUBLIC_BASE_URL = PUBLIC
    settings.SMS_BACKEND = "console"
    settings.VOICE_BACKEND = "console"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Default templates come from a data migration; a transactional test elsewhere may
    # have flushed them, so make sure they are there.
    if "transactional_db" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        install_defaults(MessageTemplate, EscalationPolicy)
    elif "db" in request.fixturenames:
        request.getfixturevalue("db")
        install_defaults(MessageTemplate, EscalationPolicy)


@pytest.fixture
def fake_twilio(settings):
    server = FakeTwilio().start()
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    settings.TWILIO_API_BASE = server.url
    settings.SMS_BACKEND = "twilio"
    settings.VOICE_BACKEND = "twilio"
    settings.NOTIFICATIONS_SENDER_RATE = 0  # no limit unless a test sets one (the default against a fake Twilio)
    yield server
    server.stop()


class Outbox:
    """Runs the outbox as production does, in-process: tasks enqueued on commit are
    collected and executed by ``run()``, sweeps by ``tick(now)``. A queued id is one
    task for one row, a queued list one batch task (what the dispatch sweep enqueues)."""

    def __init__(self, capture):
        self.queue: list[int | list[int]] = []
        self.results: list[tuple[int, str]] = []
        self._capture = capture

    @contextmanager
    def committing(self):
        with self._capture(execute=True):
            yield

    def run(self):
        from notifications.services import notification_deliver, notification_deliver_batch

        while self.queue:
            task = self.queue.pop(0)
            with self.committing():
                if isinstance(task, list):
                    self.results.extend(notification_deliver_batch(notification_ids=task).items())
                else:
                    self.results.append((task, notification_deliver(notification_id=task)))
        return self.results

    def tick(self, now=None):
        from django.utils import timezone

        from notifications.services import notification_dispatch_due

        with self.committing():
            summary = notification_dispatch_due(now=now or timezone.now())
        self.run()
        return summary


@pytest.fixture(autouse=True)
def outbox(monkeypatch, django_capture_on_commit_callbacks):
    from notifications import tasks

    box = Outbox(django_capture_on_commit_callbacks)
    monkeypatch.setattr(tasks, "enqueue_delivery", box.queue.append)
    monkeypatch.setattr(tasks, "enqueue_deliveries", lambda ids: box.queue.append(list(ids)))
    return box


@pytest.fixture
def make_notification(db, outbox):
    from notifications.services import notification_create
    from notifications.types import Recipient

    counter = iter(range(1, 10_000))

    def make(channel="sms", template_key="interview_reminder", context=None, run=False, **kwargs):
        n = next(counter)
        recipient = kwargs.pop("recipient", None) or Recipient(
            type="candidates.candidate", id=n, name="张伟", phone="+8613800138000", email=f"c{n}@example.org",
            language=kwargs.pop("language", "zh-hans"), time_zone=kwargs.pop("time_zone", "Asia/Shanghai"))
        ctx = {"job_title": "急诊科护士", "interview_time": "11-23 09:30", "location": "302",
               "confirm_url": "https://portal.example.org/c/1", "reschedule_url": "https://portal.example.org/r/1"}
        ctx.update(context or {})
        with outbox.committing():
            notification = notification_create(recipient=recipient, channel=channel, template_key=template_key,
                                               context=ctx, idempotency_key=kwargs.pop("idempotency_key",
                                                                                       f"test:{n}:{channel}"),
                                               **kwargs)
        if run:
            outbox.run()
        return notification

    return make


def reload(notification):
    from notifications.models import Notification

    return Notification.objects.get(pk=notification.pk)


@pytest.fixture(autouse=True)
def _daytime(request):
    """Tests run at 10:00 in Shanghai (outside quiet hours) unless they travel themselves."""
    if "no_daytime" in request.keywords or "celery_worker_process" in request.fixturenames:
        yield
        return
    import time_machine

    with time_machine.travel("2026-11-23T02:00:00Z", tick=True):
        yield


def pytest_configure(config):
    config.addinivalue_line("markers", "no_daytime: the test controls the clock itself")
