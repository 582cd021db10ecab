"""The dashboard API (R-INT-1, R-DASH-1, R-DASH-4, R-SEC-1): figures as JSON within the viewer's scope and
logged; costs listed in scope and entered with field errors and scope checks."""

import datetime as dt

import pytest

from dashboard.models import CostRecord
from hrsys.audit.models import AccessLog, AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/dashboard/figures/"


def test_every_figure_is_listed_and_served_R_INT_1(api_as, history, users, frozen):
    client = api_as(users.hr)
    names = [f["name"] for f in client.get(URL).json()["results"]]
    assert "funnel" in names and "todo" in names and "correlations" in names
    for name in names:
        assert client.get(f"{URL}{name}/").status_code == 200, name


def test_funnel_as_json_hand_counted_and_scoped_R_SEC_1(api_as, history, users, frozen):
    body = api_as(users.hr).get(f"{URL}funnel/").json()
    assert [c["key"] for c in body["columns"]] == ["label", "count", "of_previous", "of_applied"]
    counts = {r["label"]: r["count"] for r in body["rows"]}
    assert counts["Applied"] == 5 and counts["Hired"] == 2
    it = api_as(users.it_manager).get(f"{URL}funnel/", {"period": "week"}).json()
    assert it["rows"][0]["count"] == 1 and it["filters"]["period"] == "week"
    # a job outside the scope narrows to nothing, it never widens the scope
    other = api_as(users.it_manager).get(f"{URL}funnel/", {"job": history.er_job.pk}).json()
    assert other["rows"][0]["count"] == 0
    assert AccessLog.objects.filter(object_type="dashboard.funnel", kind="view", channel="api",
                                    actor=users.it_manager).count() == 2


def test_refresh_recomputes_the_cached_figure(api_as, history, users, frozen):
    from tests.candidates.factories import ApplicationFactory

    client = api_as(users.hr)
    first = client.get(f"{URL}funnel/").json()
    assert first["computed_at"] is not None
    ApplicationFactory(job=history.er_job, state="new")
    assert client.get(f"{URL}funnel/").json()["rows"][0]["count"] == 5
    assert client.get(f"{URL}funnel/", {"refresh": "1"}).json()["rows"][0]["count"] == 6


def test_interviewers_and_unknown_figures(api_as, users):
    assert api_as(users.interviewer).get(f"{URL}funnel/").status_code == 403
    assert api_as(users.hr).get(f"{URL}nope/").status_code == 404


def test_costs_listed_in_scope_and_entered_R_DASH_1(api_as, history, users, frozen):
    hr = api_as(users.hr)
    listed = hr.get("/api/v1/dashboard/costs/", {"month": "2025-05"}).json()
    assert listed["count"] == 3
    assert api_as(users.it_manager).get("/api/v1/dashboard/costs/").json()["count"] == 1
    r = api_as(users.hr).post("/api/v1/dashboard/costs/", {"job": history.it_job.pk, "kind": "agency", "month": "2025-06-17",
                                             "amount": "2500.00", "note": "猎头费"}, format="json")
    assert r.status_code == 201, r.content
    record = CostRecord.objects.get(pk=r.json()["id"])
    assert (record.month, record.department, record.created_by) == (dt.date(2025, 6, 1), history.it_job.department,
                                                                     users.hr)
    assert AuditEvent.objects.filter(action="dashboard.cost_record_create", object_id=str(record.pk)).exists()


def test_cost_input_errors_change_nothing(api_as, history, users, org, frozen):
    hr = api_as(users.hr)
    before = CostRecord.objects.count()
    bad = hr.post("/api/v1/dashboard/costs/", {"kind": "bribe", "month": "2025-13-01", "amount": "-5"}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"kind", "month", "amount"}
    neither = api_as(users.hr).post("/api/v1/dashboard/costs/", {"kind": "agency", "month": "2025-06-01", "amount": "10"},
                      format="json")
    assert neither.status_code == 400 and "source" in neither.json()["error"]["fields"]
    # a manager cannot book costs; HR cannot book on a job or department outside its scope
    er_hr = UserFactory(username="er_hr", role="hr_staff", departments=[org.emergency])
    assert api_as(users.it_manager).post("/api/v1/dashboard/costs/", {
        "job": history.it_job.pk, "kind": "agency", "month": "2025-06-01", "amount": "10"},
        format="json").status_code == 403
    assert api_as(er_hr).post("/api/v1/dashboard/costs/", {
        "job": history.it_job.pk, "kind": "agency", "month": "2025-06-01", "amount": "10"},
        format="json").status_code == 404
    assert api_as(er_hr).post("/api/v1/dashboard/costs/", {
        "department": org.it.pk, "source": "agency", "kind": "agency", "month": "2025-06-01", "amount": "10"},
        format="json").status_code == 404
    assert CostRecord.objects.count() == before
