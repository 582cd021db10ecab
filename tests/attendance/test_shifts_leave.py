"""Shift assignments (overlaps refused), leave requests decided by the department's manager, leave days not
counted as absence (R-ATT-3)."""

import datetime as dt

import pytest
from django.utils import timezone

from attendance import services
from attendance.models import DailyResult, LeaveState
from hrsys.api.errors import Conflict
from tests.attendance.factories import active_account, day_shift, night_shift

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(org, time_machine):
    time_machine.move_to(dt.datetime(2025, 11, 20, 4, 0, tzinfo=dt.UTC), tick=False)
    day_shift()
    return active_account(org.emergency, effective=dt.date(2025, 11, 3))


def test_r_att_3_overlapping_shift_400(api_as, users, account):
    night = night_shift()
    url = "/api/v1/attendance/shift-assignments/"
    r = api_as(users.hr).post(url, {"account": account.pk, "template": night.pk, "start_date": "2025-11-10",
                                    "end_date": "2025-11-16"}, format="json")
    assert r.status_code == 201, r.content
    r = api_as(users.hr).post(url, {"account": account.pk, "template": night.pk, "start_date": "2025-11-16"},
                              format="json")
    assert r.status_code == 400 and "start_date" in r.json()["error"]["fields"]
    r = api_as(users.hr).post(url, {"account": account.pk, "template": night.pk, "start_date": "2025-11-05",
                                    "end_date": "2025-11-04"}, format="json")
    assert r.status_code == 400 and "end_date" in r.json()["error"]["fields"]
    r = api_as(users.hr).post(url, {"account": account.pk, "template": night.pk, "start_date": "2025-11-17"},
                              format="json")
    assert r.status_code == 201
    r = api_as(users.er_manager).post(url, {"account": account.pk, "template": night.pk,
                                            "start_date": "2025-12-17"}, format="json")
    assert r.status_code == 403  # managers approve leave; HR plans shifts


def test_r_hosp_1_assigned_night_shift_used_by_results(users, account):
    from tests.attendance.factories import local, punch, token_device

    night = night_shift()
    services.shift_assign(actor=users.hr, account_id=account.pk, template_id=night.pk, start_date="2025-11-10",
                          end_date="2025-11-10")
    device, _token = token_device(users.hr, account.department)
    services.punches_ingest(device=device, punches=[punch(account, 1, local(dt.date(2025, 11, 10), 20, 30)),
                                                    punch(account, 2, local(dt.date(2025, 11, 11), 8, 0))])
    services.daily_results_refresh(now=timezone.now())
    row = DailyResult.objects.get(account=account, work_date=dt.date(2025, 11, 10))
    assert (row.status, row.late_minutes, row.shift_id) == ("present", 30, night.pk)
    # the next day is a day shift again: the 08:00 punch alone does not make it present
    assert DailyResult.objects.get(account=account, work_date=dt.date(2025, 11, 11)).status == "incomplete"


def test_r_att_3_manager_decides_leave_of_own_department_only(api_as, users, account, org):
    r = api_as(users.hr).post("/api/v1/attendance/leave-requests/", {
        "account": account.pk, "type": "sick", "start_date": "2025-11-12", "end_date": "2025-11-13",
        "reason": "发烧"}, format="json")
    assert r.status_code == 201, r.content
    leave_id = r.json()["id"]
    url = f"/api/v1/attendance/leave-requests/{leave_id}/decide/"
    assert api_as(users.it_manager).post(url, {"decision": "approve"}, format="json").status_code == 404
    r = api_as(users.er_manager).post(url, {"decision": "reject"}, format="json")
    assert r.status_code == 400 and "comment" in r.json()["error"]["fields"]
    r = api_as(users.er_manager).post(url, {"decision": "approve", "comment": "好好休息"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == LeaveState.APPROVED
    r = api_as(users.er_manager).post(url, {"decision": "approve"}, format="json")
    assert r.status_code == 409
    services.daily_results_refresh(now=timezone.now())
    assert DailyResult.objects.get(account=account, work_date=dt.date(2025, 11, 12)).status == "leave"
    assert DailyResult.objects.get(account=account, work_date=dt.date(2025, 11, 14)).status == "absent"


def test_r_att_3_bad_leave_input(users, account):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.leave_request_create(actor=users.hr, account_id=account.pk, type="holiday", start_date="2025-11-12",
                                      end_date="2025-11-10")
    assert set(exc.value.message_dict) == {"type", "end_date"}
    services.attendance_account_revoke(actor=users.hr, account_id=account.pk, reason="left")
    with pytest.raises(Conflict):
        services.leave_request_create(actor=users.hr, account_id=account.pk, type="sick", start_date="2025-11-12",
                                      end_date="2025-11-12")
