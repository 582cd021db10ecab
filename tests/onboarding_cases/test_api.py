"""Onboarding cases and checklist items over the API (R-INT-1, R-ONB-1, R-ONB-2, R-SEC-1, R-SEC-3): scoped like
the admin, reads of people's files logged, bad input a 400 that changes nothing, illegal moves a 409. The employee
files' API is tested in ``tests/employees/test_api.py``."""

import datetime as dt

import pytest

from attendance.models import AccountState, AttendanceAccount
from hrsys.audit.models import AccessLog
from onboarding.models import CaseState, OnboardingCase
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
