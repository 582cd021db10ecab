"""Employee files over the API (R-INT-1, R-ONB-1, R-ATT-5, R-SEC-1, R-SEC-3): scoped like the admin, every reading
of a file logged (after an exit too), bad input a 400 that changes nothing, illegal moves a 409."""

import datetime as dt

import pytest
from django.utils import timezone

from employees.models import Employee
from hrsys.audit.models import AccessLog
from hrsys.core.periodic import run_due_jobs
from tests.attendance.factories import local
from tests.onboarding_cases.test_api import CASES

pytestmark = pytest.mark.django_db


def test_employee_file_and_exit(api_as, users, case, time_machine):
    time_machine.move_to(local(case.start_date, 0, 5), tick=False)
    run_due_jobs(now=timezone.now())  # the start date: employee file created, clock-in account active
    employee = Employee.objects.get(case=case)
    listed = api_as(users.hr).get("/api/v1/employees/", {"state": "active"}).json()
    assert [e["id"] for e in listed["results"]] == [employee.pk]
    detail = api_as(users.er_manager).get(f"/api/v1/employees/{employee.pk}/").json()
    assert detail["phone"] == case.candidate.phone and detail["attendance_account"]["state"] == "active"
    assert detail["probation"]["decision"] is None and detail["case"] == case.pk
    assert AccessLog.objects.filter(object_type="employees.employee", object_id=str(employee.pk),
                                    kind="view", channel="api").count() == 1
    assert api_as(users.it_manager).get(f"/api/v1/employees/{employee.pk}/").status_code == 404
    # the start date has passed: the case cannot move any more
    moved = api_as(users.hr).post(f"{CASES}{case.pk}/reschedule/",
                                  {"start_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat()},
                                  format="json")
    assert moved.status_code == 409

    url = f"/api/v1/employees/{employee.pk}/exit/"
    bad = api_as(users.hr).post(url, {"last_day": "2020-01-01", "reason": "bored"}, format="json")
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"reason"}
    before_start = api_as(users.hr).post(url, {"last_day": "2020-01-01", "reason": "pay"}, format="json")
    assert before_start.status_code == 400 and "last_day" in before_start.json()["error"]["fields"]
    assert Employee.objects.get(pk=employee.pk).state == "active"
    last = (case.start_date + dt.timedelta(days=60)).isoformat()
    left = api_as(users.hr).post(url, {"last_day": last, "reason": "pressure", "note": "夜班压力大"}, format="json")
    assert left.status_code == 200 and left.json()["state"] == "left" and left.json()["exit_date"] == last
    # the response carries the file (ID number, salary): its reading is logged like any other
    assert AccessLog.objects.filter(object_type="employees.employee", object_id=str(employee.pk),
                                    detail="api exit response", actor=users.hr).count() == 1
    assert api_as(users.hr).post(url, {"last_day": last, "reason": "pay"}, format="json").status_code == 409
    assert api_as(users.er_manager).post(url, {"last_day": last, "reason": "pay"}, format="json").status_code == 403
