import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from notifications.default_templates import install_defaults
from notifications.models import EscalationPolicy, MessageTemplate
from tests.candidates.factories import ApplicationFactory, CandidateFactory, JobFactory
from tests.factories import UserFactory

SH = ZoneInfo("Asia/Shanghai")
PUBLIC = "https://hr.example.org"


def local(y, m, d, h=9, minute=0):
    """A wall-clock moment in Asia/Shanghai."""
    return dt.datetime(y, m, d, h, minute, tzinfo=SH)


@pytest.fixture(autouse=True)
def _defaults(request, settings):
    from django.utils import translation

    settings.PUBLIC_BASE_URL = PUBLIC
    settings.SMS_BACKEND = "console"
    settings.VOICE_BACKEND = "console"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "en"
    for name in ("transactional_db", "db"):
        if name in request.fixturenames:
            request.getfixturevalue(name)
            install_defaults(MessageTemplate, EscalationPolicy)
            break
    with translation.override("en"):
        yield


class Queue:
    """Delivery tasks and batch runs enqueued on commit, collected instead of sent to a broker."""

    def __init__(self, capture):
        self.deliveries: list[int] = []
        self.batches: list[int] = []
        self.capture = capture

    def tick(self, now, only=None):
        """Run the hr_tick sweeps at ``now`` (time travelled there), committing, then deliver what they queued."""
        import time_machine

        from hrsys.core.periodic import run_due_jobs

        with time_machine.travel(now, tick=False):
            with self.capture(execute=True):
                result = run_due_jobs(now=now, only=only)
            self.deliver_all()
        return result

    def deliver_all(self):
        from notifications.services import notification_deliver

        out = []
        while self.deliveries:
            with self.capture(execute=True):
                out.append(notification_deliver(notification_id=self.deliveries.pop(0)))
        return out


@pytest.fixture(autouse=True)
def queue(monkeypatch, django_capture_on_commit_callbacks):
    from interviews import tasks as itasks
    from notifications import tasks as ntasks

    q = Queue(django_capture_on_commit_callbacks)
    monkeypatch.setattr(ntasks, "enqueue_delivery", q.deliveries.append)
    monkeypatch.setattr(itasks, "enqueue_batch", q.batches.append)
    return q


@pytest.fixture
def world(org, users):
    """An ER nurse job (normal priority) with a clinical round by two ER interviewers and an applicant."""
    from candidates.models import InterviewRound

    job = JobFactory(department=org.emergency, title="急诊护士", priority="normal",
                     assessment_dimensions=[{"key": "clinical", "label": "临床"}, {"key": "communication",
                                                                                   "label": "沟通"}])
    second = UserFactory(username="nurse_lead", role="interviewer", departments=[org.emergency])
    rnd = InterviewRound.objects.create(job=job, order=1, kind="clinical", duration_minutes=45)
    rnd.interviewers.set([users.interviewer, second])
    final = InterviewRound.objects.create(job=job, order=2, kind="final", duration_minutes=30)
    final.interviewers.set([users.er_manager])
    candidate = CandidateFactory(name="王芳", preferred_language="en")
    app = ApplicationFactory(candidate=candidate, job=job, state="screening", created_by=users.hr)
    return type("World", (), {"job": job, "round": rnd, "final": final, "app": app, "candidate": candidate,
                              "i1": users.interviewer, "i2": second, "users": users, "org": org})
