"""Onboarding cases, checklist items and employee files over the API (R-INT-1, R-ONB-1, R-ONB-2, R-ATT-5,
R-SEC-1, R-SEC-3): scoped like the admin, reads of people's files logged, bad input a 400 that changes
nothing, illegal moves a 409."""

import datetime as dt

import pytest
from django.utils import timezone

from attendance.models import AccountState, AttendanceAccount
from hrsys.audit.models import AccessLog
from hrsys.core.periodic import run_due_jobs
from onboarding.models import CaseState, Employee, OnboardingCase
from tests.attendance.factories import local
from tests.onboarding.factories import band, interviewing_app
from tests.onboarding_cases.test_cases import accept

pytestmark = pytest.mark.django_db
CASES = "/api/v1/onboarding/cases/"


@pytest.fixture
def case(users, org):
    band(org.emergency)
    return accept(users, interviewing_app(org.emergency))


def test_cases_list_and_detail_scoped_and_logged(api_as, users, case):
    listed = api_as(users.hr).get(CASES).json()
    assert [c["id"] for c in listed["results"]] == [case.pk]
    row = listed["results"][0]
    assert (row["state"], row["items_done"], row["items_total"]) == ("open", 0, case.items.count())
    detail = api_as(users.er_manager).get(f"{CASES}{case.pk}/").json()
    assert len(detail["items"]) == case.items.count() and detail["start_date"] == case.start_date.isoformat()
    assert AccessLog.objects.filter(object_type="onboarding.onboardingcase", object_id=str(case.pk),
                                    actor=users.er_manager, channel="api").exists()
    assert api_as(users.it_manager).get(CASES).json()["results"] == []
    assert api_as(users.it_manager).get(f"{CASES}{case.pk}/").status_code == 404
    assert api_as(users.interviewer).get(CASES).status_code == 403
    assert api_as(users.hr).get(CASES, {"state": "nonsense"}).status_code == 400


def test_reschedule_moves_due_dates_and_refuses_bad_dates(api_as, users, case):
    url = f"{CASES}{case.pk}/reschedule/"
    assert api_as(users.hr).post(url, {"start_date": "someday"}, format="json").status_code == 400
    past = api_as(users.hr).post(url, {"start_date": "2020-01-01"}, format="json")
    assert past.status_code == 400 and "start_date" in past.json()["error"]["fields"]
    assert OnboardingCase.objects.get(pk=case.pk).start_date == case.start_date
    new = case.start_date + dt.timedelta(days=7)
    body = api_as(users.hr).post(url, {"start_date": new.isoformat()}, format="json").json()
    assert body["start_date"] == new.isoformat()
    item = case.items.order_by("pk").first()
    assert [i for i in body["items"] if i["id"] == item.pk][0]["due_date"] == \
        (new + dt.timedelta(days=item.due_days)).isoformat()
    assert AttendanceAccount.objects.get(offer=case.offer).effective_date == new
    assert AccessLog.objects.filter(object_type="onboarding.onboardingcase", detail="api reschedule response").exists()
    assert api_as(users.er_manager).post(url, {"start_date": new.isoformat()}, format="json").status_code == 403


def test_cancel_needs_a_reason_then_closes_the_case_once(api_as, users, case):
    url = f"{CASES}{case.pk}/cancel/"
    assert api_as(users.hr).post(url, {}, format="json").status_code == 400
    body = api_as(users.hr).post(url, {"reason": "候选人另有选择"}, format="json").json()
    assert body["state"] == CaseState.CANCELLED and body["cancel_reason"] == "候选人另有选择"
    assert AttendanceAccount.objects.get(offer=case.offer).state == AccountState.REVOKED
    assert api_as(users.hr).post(url, {"reason": "again"}, format="json").status_code == 409


def test_checklist_item_completed_by_its_owner_only_in_scope(api_as, users, case):
    item = case.items.filter(owner=users.er_manager).first()
    url = f"/api/v1/onboarding/checklist-items/{item.pk}/complete/"
    assert api_as(users.it_manager).post(url, {}, format="json").status_code == 404
    body = api_as(users.er_manager).post(url, {"note": "工牌已发放"}, format="json").json()
    assert body["done_at"] is not None and body["done_by"] == "er_manager" and body["note"] == "工牌已发放"
    again = api_as(users.er_manager).post(url, {"note": "再次"}, format="json").json()
    assert again["done_at"] == body["done_at"] and again["note"] == "工牌已发放"  # done once


def test_employee_file_and_exit(api_as, users, case, time_machine):
    time_machine.move_to(local(case.start_date, 0, 5), tick=False)
    run_due_jobs(now=timezone.now())  # the start date: employee file created, clock-in account active
    employee = Employee.objects.get(case=case)
    listed = api_as(users.hr).get("/api/v1/employees/", {"state": "active"}).json()
    assert [e["id"] for e in listed["results"]] == [employee.pk]
    detail = api_as(users.er_manager).get(f"/api/v1/employees/{employee.pk}/").json()
    assert detail["phone"] == case.candidate.phone and detail["attendance_account"]["state"] == "active"
    assert detail["probation"]["decision"] is None and detail["case"] == case.pk
    assert AccessLog.objects.filter(object_type="onboarding.employee", object_id=str(employee.pk),
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
    assert AccessLog.objects.filter(object_type="onboarding.employee", object_id=str(employee.pk),
                                    detail="api exit response", actor=users.hr).count() == 1
    assert api_as(users.hr).post(url, {"last_day": last, "reason": "pay"}, format="json").status_code == 409
    assert api_as(users.er_manager).post(url, {"last_day": last, "reason": "pay"}, format="json").status_code == 403
