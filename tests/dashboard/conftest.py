"""A small hand-countable history (times in Asia/Shanghai, "now" is 2025-06-15 12:00 there):

ER job (急诊护士), applications received 2025-05-01 10:00:
  A1 referral:  new -> screening 05-02 -> interviewing 05-04 -> offer 05-10 -> hired 05-20; round 1 passed;
                offer accepted 05-12
  A2 job board: new -> screening 05-03 -> ai_invited 05-05 -> ai_completed 05-06 -> interviewing 05-08
                -> rejected 05-12 "资历不足"; AI no-show 05-05 (reminder delivered), re-booked AI 05-06 completed;
                round 1: a no-show, then failed
  A3 job board: new -> screening 05-02 -> rejected 05-03 "资历不足"
  A4 job board: new -> screening 05-02, still there (stuck); AI interview 05-07 completed (SMS failed, email read)
IT job (运维工程师):
  B1 agency: new -> screening 05-02 -> interviewing 05-04 -> offer 05-10 -> hired 05-25; offer declined 05-12
             (a second offer, accepted, is not needed for the figures)
Costs: ER job board 1000 (05), ER referral bonus 500 on the ER job (05), IT agency 3000 on the IT job (05).
Reminders (ER): SMS delivered, SMS failed, email read (all due 05-04).
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from candidates.models import InterviewRound, TransitionLog
from dashboard.models import CostRecord
from interviews.models import Interview, InterviewFeedback
from notifications.models import Notification
from onboarding.models import Offer
from tests.candidates.factories import ApplicationFactory, JobFactory

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2025, 6, 15, 12, 0, tzinfo=SH)


def at(month, day, hour=10):
    return dt.datetime(2025, month, day, hour, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def walk(app, *moves):
    """Transition log rows for ``(from, to, when, reason)`` moves."""
    for move in moves:
        src, dst, when = move[:3]
        TransitionLog.objects.create(application=app, from_state=src, to_state=dst, at=when, transition=dst,
                                     reason=move[3] if len(move) > 3 else "", actor_label="test")


def interview(app, *, kind="human", state="completed", start, round_=None, previous=None):
    return Interview.objects.create(application=app, kind=kind, state=state, starts_at=start,
                                    ends_at=start + dt.timedelta(minutes=30), round=round_, previous=previous)


def notification(n, *, dept, related, channel, status, read=False):
    return Notification.objects.create(
        idempotency_key=f"test-{n}", recipient_type="candidates.candidate", recipient_id="1", channel=channel,
        template_key="interview_reminder", body="x", due_at=at(5, 4), next_attempt_at=at(5, 4), status=status,
        department=dept, related_type="interviews.interview", related_id=str(related.pk),
        read_at=at(5, 4, 12) if read else None)


def offer(app, state, responded):
    return Offer.objects.create(application=app, state=state, monthly_salary=Decimal(10000),
                                start_date=dt.date(2025, 6, 1), valid_until=dt.date(2025, 5, 20),
                                sent_at=at(5, 10), responded_at=responded)


@pytest.fixture
def history(org, users):
    er_job = JobFactory(department=org.emergency, title="急诊护士")
    it_job = JobFactory(department=org.it, title="运维工程师")
    created = at(5, 1)

    def app(job, state, source, changed):
        return ApplicationFactory(job=job, state=state, source=source, created_at=created, state_changed_at=changed)

    a1 = app(er_job, "hired", "referral", at(5, 20))
    walk(a1, ("new", "screening", at(5, 2)), ("screening", "interviewing", at(5, 4)),
         ("interviewing", "offer", at(5, 10)), ("offer", "hired", at(5, 20)))
    a2 = app(er_job, "rejected", "job_board", at(5, 12))
    walk(a2, ("new", "screening", at(5, 3)), ("screening", "ai_invited", at(5, 5)),
         ("ai_invited", "ai_completed", at(5, 6)), ("ai_completed", "interviewing", at(5, 8)),
         ("interviewing", "rejected", at(5, 12), "资历不足"))
    a3 = app(er_job, "rejected", "job_board", at(5, 3))
    walk(a3, ("new", "screening", at(5, 2)), ("screening", "rejected", at(5, 3), "资历不足"))
    a4 = app(er_job, "screening", "job_board", at(5, 2))
    walk(a4, ("new", "screening", at(5, 2)))
    b1 = app(it_job, "hired", "agency", at(5, 25))
    walk(b1, ("new", "screening", at(5, 2)), ("screening", "interviewing", at(5, 4)),
         ("interviewing", "offer", at(5, 10)), ("offer", "hired", at(5, 25)))

    er_round = InterviewRound.objects.create(job=er_job, order=1, kind="technical")
    it_round = InterviewRound.objects.create(job=it_job, order=1, kind="technical")
    i1 = interview(a1, start=at(5, 6), round_=er_round)
    InterviewFeedback.objects.create(interview=i1, interviewer=users.er_manager, recommendation="yes")
    InterviewFeedback.objects.create(interview=i1, interviewer=users.interviewer, recommendation="strong_yes")
    interview(a2, state="no_show", start=at(5, 9), round_=er_round)
    i2b = interview(a2, start=at(5, 10), round_=er_round)
    InterviewFeedback.objects.create(interview=i2b, interviewer=users.er_manager, recommendation="no")
    ib = interview(b1, start=at(5, 6), round_=it_round)
    InterviewFeedback.objects.create(interview=ib, interviewer=users.it_manager, recommendation="yes")

    ai_missed = interview(a2, kind="ai", state="no_show", start=at(5, 5))
    interview(a2, kind="ai", state="completed", start=at(5, 6), previous=ai_missed)
    ai_a4 = interview(a4, kind="ai", state="completed", start=at(5, 7))
    notification(1, dept=org.emergency, related=ai_missed, channel="sms", status="delivered")
    notification(2, dept=org.emergency, related=ai_a4, channel="sms", status="failed")
    notification(3, dept=org.emergency, related=ai_a4, channel="email", status="read", read=True)

    offer(a1, "accepted", at(5, 12))
    offer(b1, "declined", at(5, 12))

    CostRecord.objects.create(department=org.emergency, source="job_board", kind="job_board", month=dt.date(2025, 5, 1),
                              amount=Decimal("1000"))
    CostRecord.objects.create(job=er_job, source="referral", kind="referral_bonus", month=dt.date(2025, 5, 9),
                              amount=Decimal("500"))
    CostRecord.objects.create(job=it_job, source="agency", kind="agency", month=dt.date(2025, 5, 1),
                              amount=Decimal("3000"))
    return type("History", (), {"er_job": er_job, "it_job": it_job, "a1": a1, "a2": a2, "a3": a3, "a4": a4,
                                "b1": b1, "ai_missed": ai_missed})
