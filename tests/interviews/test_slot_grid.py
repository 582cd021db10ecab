"""Start times of proposals and of bookings the system makes by itself (issue 17 item 4, issue 18 item 3;
R-SCHED-1, R-SCHED-2, R-SCHED-3, R-INT-1): the engine packs a day as tightly as its people's time allows, every
start it offers or books is on a 5-minute mark of the local clock with seconds zero, never before the lead time
(``INTERVIEWS_BOOKING_LEAD_MINUTES``), so the first slot proposed can be booked as it is."""

import datetime as dt
import random

import pytest
import time_machine

from candidates.models import Application
from interviews import scheduling, services
from interviews.models import BusyBlock, Interview
from interviews.scheduling import Engine, Request, Resource, on_grid, schedule_batch, violations
from tests.candidates.factories import ApplicationFactory

from .conftest import SH, local

MORNING = [(local(2026, 3, 3, 8, 30), local(2026, 3, 3, 12))]
BUFFER = dt.timedelta(minutes=10)
FORTY_FIVE = dt.timedelta(minutes=45)
#: An odd moment, to the microsecond: what "now" looked like when a proposal offered it as the first slot.
ODD = dt.datetime(2026, 3, 2, 9, 58, 37, 123456, tzinfo=SH)  # a Monday


def _engine(resources, **kw):
    return Engine(resources, start=local(2026, 3, 3, 0), end=local(2026, 3, 4, 0), **kw)


def _nurse(**kw):
    return Resource(id="a", windows=kw.pop("windows", MORNING), buffer=BUFFER, **kw)


def _requests(n, **kw):
    return [Request(id=i, duration=FORTY_FIVE, required=("a",), order=i, **kw) for i in range(n)]


def _assert_tidy(starts):
    assert starts
    for s in starts:
        here = s.astimezone(SH)
        assert here.minute % 5 == 0 and here.second == 0 and here.microsecond == 0, here


# -- the engine ---------------------------------------------------------------------------------------------

def test_r_sched_2_back_to_back_45_minute_interviews_with_a_buffer_do_not_take_a_whole_hour():
    """R-SCHED-2 (issue 17 item 4): 8:30-12:00 holds four 45-minute interviews with 10 minutes between them
    (8:30, 9:25, 10:20, 11:15). Starts on a fixed 15-minute grid placed only three (8:30, 9:30, 10:30)."""
    result = schedule_batch(_engine([_nurse()]), _requests(5))
    assert [p.start for p in result.placements] == [local(2026, 3, 3, 8, 30), local(2026, 3, 3, 9, 25),
                                                    local(2026, 3, 3, 10, 20), local(2026, 3, 3, 11, 15)]
    assert [u.reason for u in result.unplaced] == ["interviewer_busy"]
    assert violations(result.placements, [_nurse()], _requests(5)) == []
    coarse = schedule_batch(_engine([_nurse()], grid=dt.timedelta(minutes=15), step=dt.timedelta(minutes=15)),
                            _requests(5))
    assert len(coarse.placements) == 3


def test_r_sched_3_a_panel_starts_after_the_last_members_busy_time_plus_buffer_rounded_up():
    """R-SCHED-3: a meeting imported from a calendar ends at 9:42; with the 10-minute buffer the panel is free at
    9:52, offered from 9:55 -- the next 5-minute mark, never 9:52 -- then on the half hours."""
    b = Resource(id="b", windows=MORNING, buffer=BUFFER, busy=[(local(2026, 3, 3, 8, 30), local(2026, 3, 3, 9, 42))])
    slots = _engine([_nurse(), b]).propose(Request(id=1, duration=FORTY_FIVE, required=("a", "b")), limit=3)
    assert [s.start for s in slots] == [local(2026, 3, 3, 9, 55), local(2026, 3, 3, 10), local(2026, 3, 3, 10, 30)]


def test_r_sched_1_rounding_up_keeps_the_interview_inside_the_window():
    """R-SCHED-1: a window from 13:37 is first offered at 13:40, and only if the interview still ends in it."""
    fits = [(local(2026, 3, 3, 13, 37), local(2026, 3, 3, 14, 25))]
    too_short = [(local(2026, 3, 3, 13, 37), local(2026, 3, 3, 14, 24))]
    request = Request(id=1, duration=FORTY_FIVE, required=("a",))
    assert [s.start for s in _engine([_nurse(windows=fits)]).propose(request)] == [local(2026, 3, 3, 13, 40)]
    assert _engine([_nurse(windows=too_short)]).propose(request) == []


def test_r_sched_2_every_start_is_on_the_grid_with_untidy_working_hours_and_busy_times():
    """R-SCHED-2: working hours, meetings and candidates' busy times at odd minutes, a period starting at an odd
    second: every proposal and placement is on a 5-minute mark and breaks no constraint."""
    rng = random.Random(17)
    day = dt.date(2026, 3, 3)

    def at(h, m, s=0):
        return dt.datetime.combine(day, dt.time(h, m, s), tzinfo=SH)

    def people():
        r = random.Random(18)
        return [Resource(id=i, windows=[(at(8, r.randrange(60)), at(11, 58)), (at(13, 29), at(17, r.randrange(60)))],
                         busy=[(at(h, r.randrange(60), 13), at(h + 1, r.randrange(60), 59)) for h in (9, 14)],
                         buffer=dt.timedelta(minutes=r.choice([0, 7, 10])), daily_limit=6) for i in range(4)]

    requests = [Request(id=i, duration=dt.timedelta(minutes=rng.choice([20, 30, 45])), pool=(0, 1, 2, 3),
                        pool_pick=rng.choice([1, 2]), order=i,
                        candidate_busy=[(at(10, rng.randrange(60), 31), at(11, rng.randrange(60), 7))])
                for i in range(30)]
    engine = Engine(people(), start=at(8, 3, 41), end=at(23, 0))
    _assert_tidy([p.start for r in requests[:5] for p in engine.propose(r, limit=10)])
    result = schedule_batch(engine, requests)
    _assert_tidy([p.start for p in result.placements])
    assert violations(result.placements, people(), requests, grid=scheduling.GRID) == []


def test_violations_name_a_start_off_the_grid():
    plan = [scheduling.Placement(0, local(2026, 3, 3, 9, 7), local(2026, 3, 3, 9, 52), ("a",))]
    assert any("grid" in v for v in violations(plan, [_nurse()], _requests(1)))
    assert on_grid(local(2026, 3, 3, 9, 5)) and not on_grid(local(2026, 3, 3, 9, 5) + dt.timedelta(microseconds=1))


# -- proposals and bookings in the application -------------------------------------------------------------

def _propose(api, world, **extra):
    response = api.post("/api/v1/interviews/propose/", {"application": world.app.pk, "round": world.round.pk,
                                                        "limit": 8, **extra}, format="json")
    assert response.status_code == 200, response.json()
    return [dt.datetime.fromisoformat(s["starts_at"].replace("Z", "+00:00")) for s in response.json()["slots"]]


@pytest.mark.django_db
def test_r_int_1_proposals_are_on_the_grid_after_the_lead_time_and_the_first_books_as_it_is(world, api_as):
    """R-INT-1 / R-SCHED-1 (issue 18 item 3): proposing at 09:58:37.123456 offered that very moment, and booking it
    a moment later was 'start is in the past'. Now the first slot is the lead time (an hour) ahead rounded up to
    the next 5-minute mark, 11:00:00, and booking it a few seconds after proposing succeeds."""
    hr = api_as(world.users.hr)
    with time_machine.travel(ODD, tick=False) as traveller:
        starts = _propose(hr, world)
        assert starts[0] == local(2026, 3, 2, 11)
        assert all(s >= ODD + dt.timedelta(hours=1) for s in starts)
        _assert_tidy(starts)
        traveller.shift(dt.timedelta(seconds=3))
        booked = hr.post("/api/v1/interviews/schedule/", {"application": world.app.pk, "round": world.round.pk,
                                                          "starts_at": starts[0].isoformat()}, format="json")
    assert booked.status_code == 201, booked.json()
    assert Interview.objects.get().starts_at == local(2026, 3, 2, 11)


@pytest.mark.django_db
def test_r_sched_1_the_lead_time_is_a_setting_and_busy_times_end_off_the_grid(world, api_as, settings):
    """R-SCHED-1: with a three-hour lead and a meeting until 14:47 (buffer 10 minutes), the first proposal is
    15:00 -- not 12:58:37 (lunch anyway), not 14:57."""
    settings.INTERVIEWS_BOOKING_LEAD_MINUTES = 180
    BusyBlock.objects.create(user=world.i1, starts_at=local(2026, 3, 2, 13, 30), ends_at=local(2026, 3, 2, 14, 47))
    with time_machine.travel(ODD, tick=False):
        starts = _propose(api_as(world.users.hr), world)
    assert starts[0] == local(2026, 3, 2, 15)
    _assert_tidy(starts)


@pytest.mark.django_db
def test_r_sched_1_the_next_round_booked_by_itself_lands_on_the_grid(world):
    """R-SCHED-1 / R-PIPE-3 (issue 18 item 3): booked at 10:59:02.5 with a day's notice, the next round starts
    at 11:00:00 the next day, not 10:59:02."""
    Application.objects.filter(pk=world.app.pk).update(state="ai_completed")
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 59, 2, 500000, tzinfo=SH), tick=False):
        interview = services.interview_next_round_start(actor="vervoe", application_id=world.app.pk)
    assert interview.starts_at == local(2026, 3, 3, 11)


@pytest.mark.django_db
def test_r_sched_2_a_batch_from_now_packs_the_day_on_the_grid_after_the_lead_time(world):
    """R-SCHED-2: a batch planned at an odd moment for the rest of today and tomorrow starts after the lead time,
    on the grid, and fits tomorrow's morning four times (45 minutes, 10-minute buffer; daily limit 8)."""
    apps = [ApplicationFactory(job=world.job, state="screening") for _ in range(14)]
    with time_machine.travel(ODD, tick=False):
        engine, requests, _apps = services.batch_plan_setup(
            round_obj=world.round, application_ids=[a.pk for a in apps], panel=[], panel_pick=0,
            required=[world.i1.pk, world.i2.pk], room_ids=[], period_start=ODD, period_end=local(2026, 3, 4, 0))
        result = schedule_batch(engine, requests)
    starts = sorted(p.start.astimezone(SH) for p in result.placements)
    _assert_tidy(starts)
    assert starts[0] == local(2026, 3, 2, 11)
    tuesday = [s.strftime("%H:%M") for s in starts if s.date() == dt.date(2026, 3, 3)]
    assert tuesday == ["08:30", "09:25", "10:20", "11:15", "13:30", "14:25", "15:20", "16:15"]
