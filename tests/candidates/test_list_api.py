"""The screening queue's list API at scale (issue 17 item 1, R-PIPE-5, R-INT-1): queries that do not grow with the
page, a bounded count, lean rows with labels from a table, the heavy fields on the detail only."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from candidates.api import ApplicationListItemSerializer
from hrsys.accounts.scope import forget_cached_scope
from hrsys.api.pagination import Pagination
from tests.candidates.factories import app_in_state
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _queries(client, user, url):
    forget_cached_scope(user)  # a new request: the scope is read again
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.json()
    return len(ctx), response.json()


def test_list_queries_do_not_grow_with_the_page_size(users, api_as, er_job):
    for score in range(12):
        app_in_state("screening", job=er_job, match_score=score * 5)
    client = api_as(users.er_manager)
    small, body_small = _queries(client, users.er_manager, "/api/v1/applications/?page_size=2")
    large, body_large = _queries(client, users.er_manager, "/api/v1/applications/?page_size=200")
    filtered, _ = _queries(client, users.er_manager,
                           f"/api/v1/applications/?job={er_job.pk}&state=screening,new&ordering=-match_score&page_size=5")
    assert len(body_small["results"]) == 2 and len(body_large["results"]) == 12
    # the scope (jobs of the departments and assigned interviews, one query) and the page with its count (one);
    # one job's list checks the scope inside the page's query
    assert small == large == 2 and filtered == 1


def test_one_jobs_list_reads_its_scope_in_the_pages_query(users, api_as, er_job, it_job):
    """Filtered to one job, the list checks the scope in the page's own query (no query of the scope's own):
    one query fewer than the list of every job, and still only the viewer's applications."""
    mine = [app_in_state("screening", job=er_job, match_score=score) for score in (40, 90)]
    app_in_state("screening", job=it_job)
    client = api_as(users.er_manager)
    every_job, _body = _queries(client, users.er_manager, "/api/v1/applications/")
    one_job, body = _queries(client, users.er_manager, f"/api/v1/applications/?job={er_job.pk}&state=screening,new"
                             "&ordering=-match_score")
    assert one_job == every_job - 1
    assert [r["id"] for r in body["results"]] == [mine[1].pk, mine[0].pk] and body["count"] == 2
    _q, other = _queries(client, users.er_manager, f"/api/v1/applications/?job={it_job.pk}")
    assert other["results"] == [] and other["count"] == 0  # another department's job: nothing


def test_count_is_exact_up_to_the_limit_then_a_lower_bound(users, api_as, er_job, monkeypatch):
    monkeypatch.setattr(Pagination, "count_limit", 3)
    apps = [app_in_state("screening", job=er_job) for _ in range(5)]
    client = api_as(users.er_manager)
    first = client.get("/api/v1/applications/", {"page_size": 2}).json()
    assert (first["count"], first["count_exact"]) == (3, False)  # "3+"
    assert first["next"] and first["previous"] is None and len(first["results"]) == 2
    second = client.get(first["next"]).json()
    assert (second["count"], second["count_exact"]) == (3, False) and second["previous"]
    last = client.get(second["next"]).json()
    assert (last["count"], last["count_exact"]) == (3, False) and last["next"] is None
    seen = [r["id"] for page in (first, second, last) for r in page["results"]]
    assert sorted(seen) == sorted(a.pk for a in apps)  # every page, each row once
    assert client.get("/api/v1/applications/", {"page_size": 2, "page": 4}).status_code == 404
    filtered = client.get("/api/v1/applications/", {"job": er_job.pk, "page_size": 3, "state": "screening"}).json()
    assert (filtered["count"], filtered["count_exact"]) == (3, False)
    monkeypatch.setattr(Pagination, "count_limit", 5)
    exact = client.get("/api/v1/applications/", {"page_size": 2}).json()
    assert (exact["count"], exact["count_exact"]) == (5, True)


def test_other_lists_share_the_bounded_count(users, api_as, er_job, monkeypatch):
    monkeypatch.setattr(Pagination, "count_limit", 2)
    for _ in range(4):
        app_in_state("new", job=er_job)
    body = api_as(users.hr).get("/api/v1/candidates/", {"page_size": 1}).json()
    assert (body["count"], body["count_exact"]) == (2, False) and body["next"]
    whole = api_as(users.hr).get("/api/v1/candidates/", {"page_size": 10}).json()
    assert len(whole["results"]) == 4 and whole["next"] is None
    assert (whole["count"], whole["count_exact"]) == (2, False)  # never above the limit, on any page
    monkeypatch.setattr(Pagination, "count_limit", 4)
    assert api_as(users.hr).get("/api/v1/candidates/", {"page_size": 1}).json()["count_exact"] is True


def test_list_rows_are_lean_and_the_breakdown_is_on_the_detail(users, api_as, er_job):
    app = app_in_state("screening", job=er_job, match_score=70)
    client = api_as(users.er_manager)
    row = client.get("/api/v1/applications/").json()["results"][0]
    assert set(row) == set(ApplicationListItemSerializer().fields)  # what the schema documents
    assert "match_breakdown" not in row
    assert row["id"] == app.pk and row["candidate"] == app.candidate_id and row["job"] == er_job.pk
    assert row["job_title"] == "急诊护士" and row["department"] == er_job.department_id
    assert row["department_name"] == er_job.department.name and row["priority"] == "urgent"
    assert row["match_score"] == 70 and row["created_at"].endswith("+08:00")  # shown in Asia/Shanghai
    detail = client.get(f"/api/v1/applications/{app.pk}/").json()
    assert "match_breakdown" in detail
    assert {k: detail[k] for k in row} == row  # the list row is the detail without its heavy fields


def test_stage_labels_follow_the_language_of_the_request(users, api_as, er_job):
    app_in_state("screening", job=er_job)
    client = api_as(users.er_manager)
    zh = client.get("/api/v1/applications/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["results"][0]
    en = client.get("/api/v1/applications/", HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    assert zh["state"] == en["state"] == "screening"
    assert en["state_label"] == "Screening" and zh["state_label"] != en["state_label"]


def test_hr_list_pages_count_to_the_limit_and_say_more(users, er_job, monkeypatch):
    monkeypatch.setattr("candidates.admin.COUNT_LIMIT", 3)
    for _ in range(5):
        app_in_state("screening", job=er_job)
    client = Client()
    assert client.login(username="hr", password=PASSWORD)
    client.cookies.load({"django_language": "en"})
    for url, name in (("/admin/candidates/application/", "applications"), ("/admin/candidates/candidate/",
                                                                            "candidates")):
        response = client.get(url)
        cl = response.context["cl"]
        assert cl.result_count == 3 and cl.paginator.count_exact is False
        assert f"more than 3 {name}" in response.content.decode()
        narrow = client.get(url, {"q": "no such name"})
        assert narrow.context["cl"].result_count == 0 and narrow.context["cl"].paginator.count_exact is True
