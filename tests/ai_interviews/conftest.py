import hashlib
import hmac
import json
import time
from contextlib import contextmanager

import pytest

from interviews.ai import tasks as ai_tasks
from tests.ai_interviews.factories import (
    DIMENSIONS,
    ApplicationFactory,
    InvitationFactory,
    JobFactory,
    VendorFactory,
)

GENERIC_SECRET = "generic-secret-0123456789abcdef"
VERVOE_SECRET = "vervoe-secret-0123456789abcdef"


def sign(secret: str, body: bytes, t: int | None = None) -> tuple[int, str]:
    """HMAC-SHA256 over "<t>.<raw body>", hex: how hrsys-v1 and Vervoe both sign."""
    t = int(time.time()) if t is None else t
    return t, hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()


def generic_headers(body: bytes, *, secret=GENERIC_SECRET, t=None, delivery=None) -> dict:
    t, digest = sign(secret, body, t)
    headers = {"HTTP_X_HRSYS_SIGNATURE": f"t={t},v1={digest}"}
    if delivery:
        headers["HTTP_X_HRSYS_DELIVERY"] = delivery
    return headers


def vervoe_headers(body: bytes, *, secret=VERVOE_SECRET, t=None) -> dict:
    t, digest = sign(secret, body, t)
    return {"HTTP_VERVOE_SIGNATURE": f"t={t},hash={digest}"}


class Worker:
    """Runs this app's tasks in-process as production does after commit: enqueued names/ids are collected
    and executed by ``run()``."""

    def __init__(self, capture):
        self.queue: list[tuple[str, int]] = []
        self.done: list[tuple[str, int, object]] = []
        self._capture = capture

    @contextmanager
    def committing(self):
        with self._capture(execute=True):
            yield

    def run(self, only: str | None = None):
        """Run the queued tasks, and those they enqueue, in order; with ``only``, just the tasks of that name
        (the others stay queued)."""
        while True:
            todo = next((item for item in self.queue if only is None or item[0] == only), None)
            if todo is None:
                return self.done
            self.queue.remove(todo)
            name, obj_id = todo
            fn = ai_tasks.TASKS[name].run
            with self.committing():
                self.done.append((name, obj_id, fn(obj_id)))


@pytest.fixture(autouse=True)
def worker(monkeypatch, django_capture_on_commit_callbacks):
    w = Worker(django_capture_on_commit_callbacks)
    monkeypatch.setattr(ai_tasks, "enqueue", lambda name, obj_id: w.queue.append((name, obj_id)))
    return w


@pytest.fixture(autouse=True)
def _setup(request, settings, monkeypatch):
    from django.utils import translation

    from notifications import tasks as notification_tasks

    settings.LANGUAGE_CODE = "en"
    settings.AI_DELIVERY_HAND_OVER_SECONDS = 0  # one task per delivery at once; tests/ai_interviews/test_hand_over.py batches
    settings.PUBLIC_BASE_URL = "https://hr.example.org"
    settings.SMS_BACKEND = "console"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(notification_tasks, "enqueue_delivery", lambda notification_id: None)
    if "db" in request.fixturenames or "transactional_db" in request.fixturenames:
        request.getfixturevalue("transactional_db" if "transactional_db" in request.fixturenames else "db")
        from notifications.default_templates import install_defaults
        from notifications.models import EscalationPolicy, MessageTemplate

        install_defaults(MessageTemplate, EscalationPolicy)
    with translation.override("en"):
        yield


@pytest.fixture
def generic_vendor(db):
    return VendorFactory(slug="acme", name="Acme AI", secret=GENERIC_SECRET,
                         dimension_map=[{"vendor": "logic", "dimension": "logic", "min": 1, "max": 5},
                                        {"vendor": "comm", "dimension": "communication", "min": 0, "max": 1},
                                        {"vendor": "stress", "dimension": "stress_tolerance", "min": 1, "max": 5}])


@pytest.fixture
def vervoe_vendor(db):
    return VendorFactory(slug="vervoe", name="Vervoe", secret=VERVOE_SECRET,
                         adapter="interviews.ai.adapters.vervoe.VervoeAdapter", signature_scheme="vervoe")


@pytest.fixture
def er_job(org):
    return JobFactory(department=org.emergency, title="急诊护士", assessment_dimensions=DIMENSIONS,
                      rejection_message="感谢您的关注，很遗憾您未通过本次 AI 面试。")


@pytest.fixture
def invited(er_job, generic_vendor):
    """An ER application in ai_invited with an Acme invitation (assessment id A-1)."""
    app = ApplicationFactory(job=er_job, state="ai_invited")
    return InvitationFactory(application=app, vendor=generic_vendor, assessment_id="A-1")


@pytest.fixture
def post_result(client, worker):
    def post(body, *, vendor="acme", headers=None, raw=False, process=True, **kwargs):
        """POST a signed delivery; then, unless ``process=False``, the worker processes what the webhook stored
        (the task ``process_delivery`` only: the moves and downloads it enqueues stay queued)."""
        data = body if raw else json.dumps(body, ensure_ascii=False).encode()
        if headers is None:
            headers = generic_headers(data, **kwargs)
        with worker.committing():
            response = client.post(f"/api/v1/integrations/ai-interviews/{vendor}/results/", data=data,
                                   content_type="application/json", **headers)
        if process:
            worker.run(only="process_delivery")
        return response

    return post
