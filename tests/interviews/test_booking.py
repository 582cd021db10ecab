"""Booking human rounds: availability, double booking, reschedule, cancel, attendance, feedback, bad input
(R-SCHED-1, R-SCHED-3, R-SCHED-4, R-NS-1, R-NS-5, R-PIPE-7)."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django_fsm import TransitionNotAllowed
from icalendar import Calendar

from candidates.models import Application
from interviews import services
from interviews.models import BusyBlock, Interview, ReminderPolicy
from notifications.models import Notification
from tests.factories import UserFactory
from tests.interviews.conftest import local

pytestmark = pytest.mark.django_db
NOW = local(2026, 3, 2, 10)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def book(world, start, **kw):
    return services.interview_schedule(actor=kw.pop("actor", world.users.hr), application_id=kw.pop("app", world.app).pk,
                                       round_id=world.round.pk, starts_at=start, **kw)


def ics_of(notification):
    import base64

    return Calendar.from_ical(base64.b64decode(notification.attachments[0]["content_b64"]))


def test_panel_booking_moves_application_and_sends_invites(world):
    """R-SCHED-3 R-SCHED-4: every panel member free; REQUEST with UID, ORGANIZER, ATTENDEEs, Shanghai time."""
    interview = book(world, local(2026, 3, 4, 9))
    assert set(interview.interviewers.all()) == {world.i1, world.i2}
    assert Application.objects.get(pk=world.app.pk).state == "interviewing"
    invite = Notification.objects.get(idempotency_key=f"interview:{interview.pk}:v0:invite:email")
    cal = ics_of(invite)
    assert cal["METHOD"] == "REQUEST"
    ev = cal.walk("VEVENT")[0]
    assert str(ev["UID"]) == interview.ical_uid
    assert ev["SEQUENCE"] == 0
    assert ev.decoded("DTSTART") == local(2026, 3, 4, 9)
    assert ev.decoded("DTSTART").tzinfo is not None and "Shanghai" in str(ev["DTSTART"].params.get("TZID"))
    attendees = {str(a) for a in ev.get("ATTENDEE")}
    assert {f"mailto:{world.i1.email}", f"mailto:{world.i2.email}", f"mailto:{world.candidate.email}"} <= attendees
    assert "DTSTAMP" in ev and "ORGANIZER" in ev and "SUMMARY" in ev
    staff = Notification.objects.filter(idempotency_key__startswith=f"interview:{interview.pk}:v0:invite:staff")
    assert staff.count() == 2 and all(n.attachments for n in staff)


def test_no_double_booking_of_interviewer_or_candidate(world):
    """R-SCHED-1: a second interview overlapping an interviewer's booking (buffer included) is refused."""
    from tests.candidates.factories import ApplicationFactory

    book(world, local(2026, 3, 4, 9))
    other = ApplicationFactory(job=world.job, state="screening")
    with pytest.raises(ValidationError) as exc:
        book(world, local(2026, 3, 4, 9, 30), app=other)
    assert "busy or booked" in " ".join(exc.value.message_dict["starts_at"])
    with pytest.raises(ValidationError):  # 9:45 end + 10 min buffer
        book(world, local(2026, 3, 4, 9, 50), app=other)
    assert book(world, local(2026, 3, 4, 10, 0), app=other).state == "scheduled"
    assert Interview.objects.count() == 2


def test_bad_input_saves_nothing(world, org):
    """R-SCHED-1: past slots, holidays, busy blocks, out-of-scope interviewers -> errors naming the problem."""
    with pytest.raises(ValidationError) as exc:
        book(world, local(2026, 3, 1, 9))
    assert "past" in exc.value.message_dict["starts_at"][0]
    with pytest.raises(ValidationError) as exc:  # Saturday
        book(world, local(2026, 3, 7, 9))
    assert "does not work" in exc.value.message_dict["starts_at"][0]
    with pytest.raises(ValidationError):  # 2026-10-01 National Day
        book(world, local(2026, 10, 1, 9))
    BusyBlock.objects.create(user=world.i2, starts_at=local(2026, 3, 5, 9), ends_at=local(2026, 3, 5, 11))
    with pytest.raises(ValidationError) as exc:
        book(world, local(2026, 3, 5, 10))
    assert str(world.i2) in exc.value.message_dict["starts_at"][0]
    outsider = UserFactory(username="it_person", role="interviewer", departments=[org.company])
    er_hr = UserFactory(username="er_hr", role="hr_staff", departments=[org.emergency])
    with pytest.raises(ValidationError) as exc:
        book(world, local(2026, 3, 4, 9), actor=er_hr, interviewer_ids=[world.i1.pk, outsider.pk])
    assert "may not schedule" in exc.value.message_dict["interviewers"][0]
    assert Interview.objects.count() == 0
    assert Application.objects.get(pk=world.app.pk).state == "screening"


def test_reschedule_cancels_old_reminders_and_raises_sequence(world):
    """R-SCHED-4 R-NS-1: same UID, SEQUENCE + 1, old reminders cancelled, new ones planned."""
    first = book(world, local(2026, 3, 5, 9))
    old_reminders = list(Notification.objects.filter(idempotency_key__startswith=f"interview:{first.pk}:v0:2d"))
    assert len(old_reminders) == 2
    second = services.interview_reschedule(actor=world.users.hr, interview_id=first.pk, starts_at=local(2026, 3, 6, 14),
                                           reason="面试官出差")
    first.refresh_from_db()
    assert first.state == "rescheduled" and second.previous == first
    assert second.ical_uid == first.ical_uid and second.sequence == 1
    assert {n.status for n in Notification.objects.filter(pk__in=[n.pk for n in old_reminders])} == {"cancelled"}
    new_2d = Notification.objects.get(idempotency_key=f"interview:{second.pk}:v1:2d:sms")
    assert new_2d.due_at == local(2026, 3, 4, 14)
    cal = ics_of(Notification.objects.get(idempotency_key=f"interview:{second.pk}:v1:invite:email"))
    ev = cal.walk("VEVENT")[0]
    assert ev["SEQUENCE"] == 1 and str(ev["UID"]) == first.ical_uid
    # the old slot is free again for someone else
    assert services.interview_cancel(actor=world.users.hr, interview_id=second.pk, reason="岗位取消").state == "cancelled"
    cancel = Notification.objects.get(idempotency_key=f"interview:{second.pk}:v1:cancel:candidate")
    assert cancel.template_key == "interview_cancelled" and second.application.job.title in cancel.subject
    cal = ics_of(cancel)
    assert cal["METHOD"] == "CANCEL"
    assert cal.walk("VEVENT")[0]["SEQUENCE"] == 2
    assert not Notification.objects.filter(idempotency_key__startswith=f"interview:{second.pk}:v1:1h",
                                           status="pending").exists()


def test_job_reminder_policy_overrides_default(world):
    """R-NS-1: per-job policy."""
    ReminderPolicy.objects.create(job=world.job, steps=[{"key": "1d", "before_minutes": 1440, "channels": ["email"]}])
    interview = book(world, local(2026, 3, 5, 9))
    keys = set(Notification.objects.filter(idempotency_key__startswith=f"interview:{interview.pk}:v0:")
               .exclude(idempotency_key__contains="invite").values_list("idempotency_key", flat=True))
    assert keys == {f"interview:{interview.pk}:v0:1d:email"}


def test_human_round_no_show_after_grace_and_attended(world, queue):
    """R-NS-5: not marked attended within the grace period -> no-show; marked attended -> completed."""
    from tests.candidates.factories import ApplicationFactory

    held = book(world, local(2026, 3, 4, 9))
    other = ApplicationFactory(job=world.job, state="screening")
    missed = book(world, local(2026, 3, 4, 14), app=other)
    with time_machine.travel(local(2026, 3, 4, 10), tick=False):
        with pytest.raises(PermissionDenied):
            services.interview_mark_attended(actor=world.users.er_manager, interview_id=held.pk)
        services.interview_mark_attended(actor=world.i1, interview_id=held.pk)
    queue.tick(local(2026, 3, 4, 16, 30), only=["interviews.detect_no_shows"])  # 14:45 end + 2 h grace not reached
    assert Interview.objects.get(pk=missed.pk).state == "scheduled"
    queue.tick(local(2026, 3, 4, 16, 46), only=["interviews.detect_no_shows"])
    assert Interview.objects.get(pk=held.pk).state == "completed"
    missed.refresh_from_db()
    assert missed.state == "no_show"
    # calendars updated: CANCEL to the interviewers
    assert Notification.objects.filter(idempotency_key__startswith=f"interview:{missed.pk}:v0:cancel:staff").count() == 2
    with pytest.raises(TransitionNotAllowed):
        missed.complete()


def test_feedback_per_dimension_and_next_round_sees_it(world):
    """R-PIPE-7: structured feedback; the next round's interviewer sees earlier rounds."""
    from interviews.selectors import earlier_feedback

    first = book(world, local(2026, 3, 4, 9))
    with time_machine.travel(local(2026, 3, 4, 10), tick=False):
        services.interview_mark_attended(actor=world.i1, interview_id=first.pk)
        with pytest.raises(ValidationError) as exc:  # the scale is 1-5 (tests/interviews/test_scorecard.py)
            services.feedback_submit(actor=world.i1, interview_id=first.pk, scores={"clinical": 12, "x": 1},
                                     recommendation="maybe")
        assert set(exc.value.message_dict) == {"scores", "recommendation"}
        with pytest.raises(PermissionDenied):
            services.feedback_submit(actor=world.users.er_manager, interview_id=first.pk,
                                     scores={"clinical": 4, "communication": 4}, recommendation="yes")
        services.feedback_submit(actor=world.i1, interview_id=first.pk, scores={"clinical": 5, "communication": 4},
                                 recommendation="yes", notes="操作熟练")
        final = services.interview_schedule(actor=world.users.hr, application_id=world.app.pk,
                                            round_id=world.final.pk, starts_at=local(2026, 3, 5, 9))
    seen = earlier_feedback(user=world.users.er_manager, interview=final)
    assert [f.scores["clinical"] for f in seen["feedback"]] == [5]


def test_fsm_illegal_moves_raise(world):
    """Every illegal interview move is refused by the state machine."""
    interview = book(world, local(2026, 3, 4, 9))
    with pytest.raises(TransitionNotAllowed):
        interview.schedule()
    interview.cancel()
    for move in ("confirm", "complete", "mark_no_show", "replace", "cancel"):
        with pytest.raises(TransitionNotAllowed):
            getattr(interview, move)()


@pytest.mark.parametrize("move", ["reject", "withdraw"])
def test_closing_the_application_cancels_its_booked_interviews(world, move):
    """R-SCHED-4 R-NS-1: a rejected or withdrawn candidate is not reminded of an interview that will not happen,
    and the interviewers' calendars get the CANCEL."""
    from candidates.services import application_transition

    booked = book(world, local(2026, 3, 5, 9))
    pending = Notification.objects.filter(related_type="interviews.interview", related_id=str(booked.pk),
                                          status="pending", due_at__gt=local(2026, 3, 2, 11))
    assert pending.exists()
    application_transition(actor=world.users.hr, application_id=world.app.pk, transition=move, reason="岗位已满")
    booked.refresh_from_db()
    assert booked.state == "cancelled" and "application" in booked.cancel_reason
    assert not pending.exists()
    staff = Notification.objects.filter(idempotency_key__startswith=f"interview:{booked.pk}:v0:cancel:staff")
    assert staff.count() == 2 and all(ics_of(n)["METHOD"] == "CANCEL" for n in staff)
