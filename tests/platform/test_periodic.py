"""hr_tick: every registered sweep for one moment, by hand or by beat."""

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from hrsys.core import periodic
from hrsys.core.models import TickRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(monkeypatch):
    calls = []
    monkeypatch.setattr(periodic, "_jobs", {})
    periodic.periodic_job("test.record")(lambda now: calls.append(now) or len(calls))

    def broken(now):
        raise RuntimeError("boom")

    periodic.periodic_job("test.broken")(broken)
    return calls


def test_hr_tick_runs_jobs_for_the_given_moment(recorded):
    out = StringIO()
    call_command("hr_tick", "--at", "2026-11-23T09:00:00", stdout=out)
    # naive means Asia/Shanghai: 09:00 CST is 01:00 UTC
    assert recorded == [datetime(2026, 11, 23, 1, 0, tzinfo=UTC)]
    assert "test.broken: error: RuntimeError: boom" in out.getvalue()  # one failure does not stop the rest
    run = TickRun.objects.get()
    assert run.source == "command" and run.results["test.record"] == "1"


def test_hr_tick_rejects_bad_moment_and_unknown_job(recorded):
    with pytest.raises(CommandError, match="not an ISO-8601"):
        call_command("hr_tick", "--at", "tomorrow")
    with pytest.raises(CommandError, match="unknown job"):
        call_command("hr_tick", "--only", "nope")
    assert recorded == []


def test_registering_two_jobs_under_one_name_is_an_error(recorded):
    with pytest.raises(ValueError):
        periodic.periodic_job("test.record")(lambda now: None)


def test_r_sec_8_a_beat_period_runs_once_however_many_ticks_claim_it(recorded):
    """R-SEC-8: two beats (or one tick delivered twice) for the same period: the first claims it, the second runs
    no job and writes no run."""
    moment = datetime(2026, 11, 23, 1, 0, 20, tzinfo=UTC)
    slot = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    assert periodic.run_due_jobs(now=moment, source="beat", slot=slot) is not None
    assert periodic.run_due_jobs(now=moment, source="beat", slot=slot) is None
    assert recorded == [moment]
    run = TickRun.objects.get()
    assert run.slot == slot and run.results["test.record"] == "1"  # the claimed row holds what the run did


def test_beat_slot_is_the_start_of_the_period(settings):
    from hrsys.core.tasks import beat_slot

    settings.HR_TICK_SECONDS = 60
    assert beat_slot(datetime(2026, 11, 23, 1, 0, 59, 999, tzinfo=UTC)) == datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    settings.HR_TICK_SECONDS = 1
    assert beat_slot(datetime(2026, 11, 23, 1, 0, 59, 999, tzinfo=UTC)) == datetime(2026, 11, 23, 1, 0, 59, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_r_sec_8_a_tick_while_another_runs_skips(recorded):
    """R-SEC-8: on PostgreSQL a tick that comes while another worker still runs the sweeps runs nothing (it does
    not wait either: what is due is due at the next tick)."""
    import psycopg2
    from django.db import connection

    from hrsys.core import tasks

    if connection.vendor != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's")
    cfg = connection.settings_dict
    other = psycopg2.connect(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432, user=cfg["USER"],
                             dbname=cfg["NAME"])
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [tasks.TICK_LOCK_KEY])  # the other worker's tick
        assert tasks.hr_tick() == {"skipped": "another tick is still running"}
        assert recorded == [] and not TickRun.objects.exists()
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [tasks.TICK_LOCK_KEY])  # that tick is done
    finally:
        other.close()
    assert tasks.hr_tick()["test.record"] == "1"
    assert TickRun.objects.get().source == "beat"
