"""Interview moves integrators hear about: a booking (also the new booking of a reschedule), a cancellation and a
no-show each record one event for the hospital, ids and times only; a rolled-back change records none (R-INT-2)."""

import pytest
import time_machine
from django.db import transaction

from hrsys.events.models import Event
from interviews import services
from tests.events.emitted import _no_event_broker, only_event, subscribe  # noqa: F401 - an autouse fixture
from tests.interviews.conftest import local

pytestmark = pytest.mark.django_db
NOW = local(2026, 3, 2, 10)
KEYS = ("interview_id", "application_id", "candidate_id", "job_id", "kind", "round_id", "starts_at", "ends_at",
        "state", "previous_interview_id")


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def _personal(world, *extra):
    c = world.candidate
    return (c.name, c.phone, c.email, *extra)


def _book(world, start=None, **kw):
    return services.interview_schedule(actor=world.users.hr, application_id=world.app.pk, round_id=world.round.pk,
                                       starts_at=start or local(2026, 3, 4, 9),
                                       meeting_url="https://meet.example.org/room-7", **kw)


def test_r_int_2_booking_records_interview_scheduled(world):
    subscribe(world.org.hospital, "interview.scheduled")
    interview = _book(world)
    data = only_event("interview.scheduled", world.org.hospital,
                      personal=_personal(world, "https://meet.example.org/room-7"))
    assert data == {"interview_id": interview.pk, "application_id": world.app.pk,
                    "candidate_id": world.candidate.pk, "job_id": world.job.pk, "kind": "human",
                    "round_id": world.round.pk, "starts_at": "2026-03-04T01:00:00Z",
                    "ends_at": "2026-03-04T01:45:00Z", "state": "scheduled", "previous_interview_id": None}


def test_r_int_2_reschedule_records_the_new_booking_with_its_predecessor(world):
    old = _book(world)
    subscribe(world.org.hospital, "interview.scheduled", "interview.cancelled")
    new = services.interview_reschedule(actor=world.users.hr, interview_id=old.pk, starts_at=local(2026, 3, 5, 14),
                                        reason="王芳 asked for the afternoon")
    data = only_event("interview.scheduled", world.org.hospital,
                      personal=_personal(world, "王芳 asked for the afternoon"))
    assert data["interview_id"] == new.pk and data["previous_interview_id"] == old.pk
    assert not Event.objects.filter(type="interview.cancelled").exists()  # the old one is replaced, not cancelled


def test_r_int_2_cancelling_records_interview_cancelled_without_the_reason(world):
    interview = _book(world)
    subscribe(world.org.hospital, "interview.cancelled")
    services.interview_cancel(actor=world.users.hr, interview_id=interview.pk, reason="候选人 13800138000 改期")
    data = only_event("interview.cancelled", world.org.hospital, personal=_personal(world, "13800138000"))
    assert data["interview_id"] == interview.pk and data["state"] == "cancelled"
    # read back from the database, the times are the booking's, in UTC like every event time
    assert (data["starts_at"], data["ends_at"]) == ("2026-03-04T01:00:00Z", "2026-03-04T01:45:00Z")


def test_r_int_2_no_show_records_interview_no_show(world):
    interview = _book(world)
    subscribe(world.org.hospital, "interview.no_show")
    with time_machine.travel(local(2026, 3, 4, 13), tick=False):
        services.interview_mark_no_show(actor=world.users.hr, interview_id=interview.pk, reason="did not come")
    data = only_event("interview.no_show", world.org.hospital, personal=_personal(world, "did not come"))
    assert data["interview_id"] == interview.pk and data["state"] == "no_show"


def test_r_int_2_other_organisations_and_types_hear_nothing(world):
    subscribe(world.org.company, "interview.scheduled")
    subscribe(world.org.hospital, "interview.cancelled")
    _book(world)
    assert not Event.objects.exists()


def test_r_int_2_a_rolled_back_booking_or_cancellation_records_nothing(world):
    subscribe(world.org.hospital, "interview.scheduled", "interview.cancelled", "interview.no_show")
    with pytest.raises(RuntimeError), transaction.atomic():
        _book(world)
        raise RuntimeError("the request failed after the booking")
    assert not Event.objects.exists()
    interview = _book(world)
    Event.objects.all().delete()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.interview_cancel(actor=world.users.hr, interview_id=interview.pk, reason="x")
        raise RuntimeError("the request failed after the cancellation")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.interview_mark_no_show(actor=world.users.hr, interview_id=interview.pk)
        raise RuntimeError("the request failed after the no-show")
    assert not Event.objects.exists()
