"""Feedback reminders (issue 14 item 5; R-PIPE-7): an interviewer who has not submitted 2 hours after the interview's
end is reminded, in the app and by e-mail, once per interviewer and interview, by the hr_tick sweep on Celery beat."""

import datetime as dt

import pytest
import time_machine

from interviews import services
from interviews import tasks as itasks
from interviews.models import FeedbackReminder
from notifications.models import Notification, TrackedLink
from tests.interviews.conftest import local

pytestmark = pytest.mark.django_db
START = local(2026, 3, 4, 9)
END = START + dt.timedelta(minutes=45)
GOOD = {"clinical": 4, "communication": 3}


@pytest.fixture
def interview(world):
    with time_machine.travel(local(2026, 3, 2, 10), tick=False):
        return services.interview_schedule(actor=world.users.hr, application_id=world.app.pk,
                                           round_id=world.round.pk, starts_at=START)


def reminders(interview, user=None):
    qs = Notification.objects.filter(idempotency_key__startswith=f"interview:{interview.pk}:feedback-reminder:")
    return qs.filter(recipient_id=str(user.pk)) if user else qs


def test_r_pipe_7_reminder_two_hours_after_the_end_once_per_interviewer(world, interview, queue):
    """R-PIPE-7: at end + 1:59 nobody is reminded; at end + 2:00 the interviewer without submitted feedback gets an
    in-app and an e-mail reminder linking the scorecard (the one who submitted gets none); later ticks and the task
    by ids send nothing again."""
    with time_machine.travel(START + dt.timedelta(minutes=30), tick=False):
        services.feedback_submit(actor=world.i2, interview_id=interview.pk, scores=GOOD, recommendation="yes")
        services.feedback_save(actor=world.i1, interview_id=interview.pk, scores={"clinical": 3})  # a draft only
    queue.tick(END + dt.timedelta(hours=2) - dt.timedelta(minutes=1), only=["interviews.remind_feedback"])
    assert not reminders(interview).exists() and not FeedbackReminder.objects.exists()
    result = queue.tick(END + dt.timedelta(hours=2), only=["interviews.remind_feedback"])
    assert result["interviews.remind_feedback"] == {"reminded": 1, "failed": 0}
    sent = reminders(interview, world.i1)
    assert sorted(sent.values_list("channel", flat=True)) == ["email", "in_app"]
    assert not reminders(interview, world.i2).exists()
    email = sent.get(channel="email")
    assert "王芳" in email.subject and "急诊护士" in email.body
    assert TrackedLink.objects.get(notification=email).target_url == (
        f"https://hr.example.org/interviews/{interview.pk}/scorecard/")
    reminder = FeedbackReminder.objects.get()
    assert (reminder.interviewer, reminder.sent_at) == (world.i1, END + dt.timedelta(hours=2))
    for later in (dt.timedelta(hours=2, minutes=1), dt.timedelta(days=1)):
        queue.tick(END + later, only=["interviews.remind_feedback"])
    with time_machine.travel(END + dt.timedelta(hours=3), tick=False):
        itasks.remind_feedback(interview.pk, world.i1.pk)
    assert reminders(interview).count() == 2 and FeedbackReminder.objects.count() == 1


@pytest.mark.parametrize("how", ["cancel", "no_show", "submitted"])
def test_r_pipe_7_no_reminder_without_a_feedback_to_give(world, interview, queue, how):
    """R-PIPE-7: a cancelled interview or a no-show takes no feedback, and submitted feedback needs no reminder."""
    if how == "cancel":
        with time_machine.travel(local(2026, 3, 3, 10), tick=False):
            services.interview_cancel(actor=world.users.hr, interview_id=interview.pk, reason="岗位取消")
    else:
        with time_machine.travel(START + dt.timedelta(minutes=30), tick=False):
            if how == "no_show":
                services.interview_mark_no_show(actor=world.users.hr, interview_id=interview.pk, reason="未到")
            else:
                for who in (world.i1, world.i2):
                    services.feedback_submit(actor=who, interview_id=interview.pk, scores=GOOD, recommendation="no")
    queue.tick(END + dt.timedelta(hours=3), only=["interviews.remind_feedback"])
    assert not reminders(interview).exists() and not FeedbackReminder.objects.exists()


def test_r_pipe_7_the_sweep_is_registered_for_hr_tick():
    """R-PIPE-7: the reminder sweep runs with every hr_tick (Celery beat, every minute)."""
    from hrsys.core.periodic import registered_jobs

    assert "interviews.remind_feedback" in registered_jobs()
