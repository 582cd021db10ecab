"""The pure scheduling engine (R-SCHED-1, R-SCHED-2, R-SCHED-3)."""

from datetime import timedelta

from interviews.scheduling import Engine, Request, Resource, schedule_batch, violations
from tests.interviews.conftest import local

DAY = [(local(2026, 3, 3, 9), local(2026, 3, 3, 12))]


def engine(*resources):
    return Engine(resources, start=local(2026, 3, 3, 0), end=local(2026, 3, 4, 0))


def people():
    return [Resource(id="a", windows=DAY, daily_limit=2, buffer=timedelta(minutes=10)),
            Resource(id="b", windows=DAY, busy=[(local(2026, 3, 3, 9), local(2026, 3, 3, 10))])]


def test_panel_needs_everyone_free():
    """R-SCHED-3: a panel slot starts when the last required member is free."""
    e = engine(*people())
    slots = e.propose(Request(id=1, duration=timedelta(minutes=30), required=("a", "b")), limit=1)
    assert slots[0].start == local(2026, 3, 3, 10)


def test_batch_urgent_first_daily_limit_and_explanations():
    """R-SCHED-2: urgent first, daily limit honoured, the rest explained, zero violations."""
    reqs = [Request(id=i, duration=timedelta(minutes=30), required=("a",), priority=2 if i else 0, order=-i)
            for i in range(4)]
    result = schedule_batch(engine(*people()), reqs)
    assert {p.request_id for p in result.placements} >= {0}
    assert len(result.placements) == 2
    assert {u.reason for u in result.unplaced} == {"daily_limit"}
    assert violations(result.placements, people(), reqs) == []


def test_candidate_preferences_strict_and_busy():
    """R-SCHED-1: the candidate's preferred windows and busy times are honoured."""
    req = Request(id=1, duration=timedelta(minutes=30), required=("a",),
                  preferences=[(local(2026, 3, 3, 11), local(2026, 3, 3, 12))], strict_preferences=True,
                  candidate_busy=[(local(2026, 3, 3, 11), local(2026, 3, 3, 11, 30))])
    slots = engine(*people()).propose(req)
    assert [s.start for s in slots] == [local(2026, 3, 3, 11, 30)]


def test_violations_detects_double_booking():
    from interviews.scheduling import Placement

    reqs = [Request(id=i, duration=timedelta(minutes=30), required=("a",)) for i in range(2)]
    plan = [Placement(i, local(2026, 3, 3, 9), local(2026, 3, 3, 9, 30), ("a",)) for i in range(2)]
    assert any("double-booked" in v for v in violations(plan, people(), reqs))
