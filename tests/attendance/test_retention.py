"""Clock-ins in the retention sweep: deleted after the period, kept under a legal hold (R-SEC-5)."""

import datetime as dt

import pytest
import time_machine

from attendance.models import Punch
from hrsys.privacy.models import RetentionSweep
from hrsys.privacy.services import retention_preview, retention_sweep_run
from tests.attendance.factories import active_account, token_device

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC)


def test_r_sec_5_punches_older_than_the_period_are_deleted(users, org):
    device, _token = token_device(users.hr, org.emergency)
    account = active_account(org.emergency)
    old = Punch.objects.create(device=device, account=account, dedup_key="1", punched_at=NOW - dt.timedelta(days=731))
    recent = Punch.objects.create(device=device, account=account, dedup_key="2",
                                  punched_at=NOW - dt.timedelta(days=729))
    with time_machine.travel(NOW, tick=False):
        assert {r["key"]: r["count"] for r in retention_preview(now=NOW)}["punches"] == 1
        counts = retention_sweep_run(sweep_id=RetentionSweep.objects.create(day=NOW.date()).pk, now=NOW)
    assert counts["punches"] == 1
    assert list(Punch.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not Punch.objects.filter(pk=old.pk).exists()
