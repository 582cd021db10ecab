"""Two HR users scheduling at the same moment never double-book anyone (R-SCHED-1, R-SCHED-2).

Real concurrent connections on PostgreSQL (row locks on the interviewers' profile rows).
"""

import threading
from collections import defaultdict

import pytest
import time_machine
from django.db import connections

from interviews import services
from interviews.models import ACTIVE_STATES, BatchRun, Interview
from tests.candidates.factories import ApplicationFactory
from tests.interviews.conftest import local

NOW = local(2026, 3, 2, 8)


def _race(funcs):
    barrier = threading.Barrier(len(funcs))
    outcomes = {}

    def run(label, fn):
        try:
            barrier.wait(timeout=10)
            outcomes[label] = ("ok", fn())
        except Exception as exc:  # noqa: BLE001 - asserted below
            outcomes[label] = (type(exc).__name__, str(exc)[:300])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(funcs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def _overlaps():
    """(interviewer, a, b) for every pair of active interviews of one person that overlap."""
    per_person = defaultdict(list)
    for interview in Interview.objects.filter(state__in=ACTIVE_STATES).prefetch_related("interviewers"):
        for person in interview.interviewers.all():
            per_person[person.pk].append((interview.starts_at, interview.ends_at, interview.pk))
    bad = []
    for person, items in per_person.items():
        items.sort()
        for (_s1, e1, a), (s2, _e2, b) in zip(items, items[1:], strict=False):
            if s2 < e1:
                bad.append((person, a, b))
    return bad


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_same_interviewer_same_moment_one_wins(world):
    """R-SCHED-1: two HR users book the same panel at the same time for two candidates: exactly one succeeds."""
    other = ApplicationFactory(job=world.job, state="screening")
    with time_machine.travel(NOW, tick=False):
        outcomes = _race([
            lambda app=app: services.interview_schedule(actor=world.users.hr, application_id=app.pk, round_id=world.round.pk,
                                                starts_at=local(2026, 3, 4, 9)).pk
            for app in (world.app, other)])
    kinds = sorted(v[0] for v in outcomes.values())
    assert kinds == ["ValidationError", "ok"], outcomes
    assert Interview.objects.count() == 1
    assert _overlaps() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_batch_runs_place_without_conflicts(world):
    """R-SCHED-2: two batches over the same panel, run at the same moment, leave zero double bookings;
    every candidate is either placed or explained."""
    panel = [world.i1.pk, world.i2.pk]
    runs = []
    with time_machine.travel(NOW, tick=False):
        for _n in range(2):
            apps = [ApplicationFactory(job=world.job, state="screening").pk for _i in range(15)]
            runs.append(services.batch_schedule_start(
                actor=world.users.hr, job_id=world.job.pk, round_id=world.round.pk, application_ids=apps,
                period_start=local(2026, 3, 3, 0), period_end=local(2026, 3, 5, 0), panel=panel, panel_pick=1))
        outcomes = _race([lambda run=run: services.batch_schedule_run(run_id=run.pk).placed for run in runs])
    assert all(v[0] == "ok" for v in outcomes.values()), outcomes
    assert _overlaps() == []
    total_placed = 0
    for run in runs:
        run = BatchRun.objects.get(pk=run.pk)
        assert run.status == "done" and run.done == run.total == 15
        assert run.placed + len(run.unplaced) == 15
        assert all(u["reason"] for u in run.unplaced)
        total_placed += run.placed
    # two interviewers x 2 days x (8 h of working time / 55 min) -- capacity is the limit, not a conflict
    assert total_placed == Interview.objects.filter(state__in=ACTIVE_STATES).count()
    assert total_placed >= 20
