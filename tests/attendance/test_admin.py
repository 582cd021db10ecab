"""Admin: the monthly report page per department (scoped) and its Excel export (logged); scoped lists
(R-ATT-3, R-SEC-1)."""

import datetime as dt

import pytest

from hrsys.audit.models import AccessLog
from tests.attendance.factories import active_account

pytestmark = pytest.mark.django_db


def test_r_att_3_admin_monthly_report_scoped_and_export(client, users, org):
    active_account(org.emergency, name="急诊护士", effective=dt.date(2025, 11, 3))
    active_account(org.it, name="信息工程师", effective=dt.date(2025, 11, 3))
    client.force_login(users.er_manager)
    r = client.get("/admin/attendance/dailyresult/monthly-report/", {"month": "2025-11"})
    assert r.status_code == 200
    assert "急诊护士" in r.content.decode() and "信息工程师" not in r.content.decode()
    r = client.get("/admin/attendance/dailyresult/monthly-report/", {"month": "2025-11", "format": "xlsx"})
    assert r.status_code == 200 and "spreadsheetml" in r["Content-Type"]
    assert AccessLog.objects.filter(kind="export", object_type="attendance.monthlyreport", channel="admin").exists()
    assert client.get("/admin/attendance/dailyresult/").status_code == 200


def test_r_sec_1_admin_account_outside_scope_404(client, users, org):
    other = active_account(org.it, name="信息工程师")
    client.force_login(users.er_manager)
    assert client.get(f"/admin/attendance/attendanceaccount/{other.pk}/change/").status_code == 404
    client.force_login(users.it_manager)
    assert client.get(f"/admin/attendance/attendanceaccount/{other.pk}/change/").status_code == 200
