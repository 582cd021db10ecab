"""A passed AI interview books the next human round by itself (R-PIPE-3, R-SCHED-1)."""

import pytest
import time_machine

from candidates.models import Application
from interviews.models import Interview
from interviews.services import interview_next_round_start
from tests.interviews.conftest import local

pytestmark = pytest.mark.django_db


def test_next_round_is_booked_with_every_interviewer_of_the_round(world):  # R-PIPE-3
    Application.objects.filter(pk=world.app.pk).update(state="ai_completed")
    with time_machine.travel(local(2026, 11, 23, 10), tick=False):  # a Monday
        interview = interview_next_round_start(actor="vervoe", application_id=world.app.pk)
    assert interview is not None and interview.round_id == world.round.pk
    assert set(interview.interviewers.values_list("pk", flat=True)) == {world.i1.pk, world.i2.pk}
    assert interview.starts_at >= local(2026, 11, 24, 10)  # at least a day's notice
    assert Application.objects.get(pk=world.app.pk).state == "interviewing"
    # the round is now taken: the next call moves to the final round, never books round 1 twice
    with time_machine.travel(local(2026, 11, 23, 10), tick=False):
        second = interview_next_round_start(actor="vervoe", application_id=world.app.pk)
    assert second.round_id == world.final.pk
    assert Interview.objects.filter(application=world.app, round=world.round).count() == 1


def test_no_round_left_books_nothing(world):
    world.job.rounds.all().delete()
    assert interview_next_round_start(actor="vervoe", application_id=world.app.pk) is None
    assert not Interview.objects.exists()
