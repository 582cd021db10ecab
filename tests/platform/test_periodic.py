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
