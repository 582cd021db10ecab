"""Cached figures and the warming sweep (R-DASH-1 speed, R-SEC-1): a repeat visit reads the cache, a
refresh recomputes, nobody gets another viewer's figures, the to-do list stays live."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from dashboard import cache as figure_cache
from dashboard import jobs, tasks
from dashboard.selectors import Filters
from tests.candidates.factories import ApplicationFactory

pytestmark = pytest.mark.django_db
FUNNEL = reverse("dashboard:page", args=["funnel"])


def applied(response) -> int:
    funnel = next(f for f in response.context["figures"] if f.name == "funnel")
    return funnel.rows[0]["count"]


def visit(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(ctx)


def test_a_repeat_visit_reads_the_cache_and_refresh_recomputes(client, history, users, frozen):
    client.force_login(users.hr)
    first, first_queries = visit(client, FUNNEL)
    assert applied(first) == 5
    ApplicationFactory(job=history.er_job, state="new")
    again, again_queries = visit(client, FUNNEL)
    assert applied(again) == 5  # the cached figure, until it expires or someone recalculates
    assert again_queries < first_queries - 4
    html = again.content.decode()
    assert "refresh=1" in html and "2025-06-15 12:00" in html  # when the figures were computed, local time
    assert applied(client.get(FUNNEL + "?refresh=1")) == 6
    assert applied(client.get(FUNNEL)) == 6


def test_viewers_never_share_cached_figures_R_SEC_1(client, history, users, frozen):
    client.force_login(users.hr)
    assert applied(client.get(FUNNEL)) == 5
    client.force_login(users.it_manager)
    assert applied(client.get(FUNNEL)) == 1  # IT only, not HR's cached five
    users.it_manager.departments.add(history.er_job.department)  # a wider scope is a different key
    assert applied(client.get(FUNNEL)) == 5


def test_filters_and_language_are_part_of_the_key(client, history, users, frozen):
    client.force_login(users.hr)
    assert applied(client.get(FUNNEL)) == 5
    assert applied(client.get(FUNNEL + f"?job={history.it_job.pk}")) == 1
    with translation.override("en"):
        english = figure_cache.figure_for("funnel", users.hr, Filters())
    with translation.override("zh-hans"):
        chinese = figure_cache.figure_for("funnel", users.hr, Filters())
    assert english.title != chinese.title and "漏斗" in chinese.title


def test_the_todo_list_is_never_cached(client, history, users, frozen):
    client.force_login(users.hr)

    def stuck(response):
        return {s["key"]: s for s in response.context["todo"].extra["sections"]}["stuck"]["count"]

    assert stuck(client.get(reverse("dashboard:home"))) == 1
    ApplicationFactory(job=history.er_job, state="screening",
                       state_changed_at=frozen - dt.timedelta(days=30))
    assert stuck(client.get(reverse("dashboard:home"))) == 2


def test_the_export_streams_the_rows_the_page_shows(client, history, users, frozen):
    client.force_login(users.hr)
    client.get(FUNNEL)
    ApplicationFactory(job=history.er_job, state="new")
    body = b"".join(client.get(reverse("dashboard:export", args=["funnel"]) + "?format=csv").streaming_content)
    assert body.decode("utf-8-sig").splitlines()[1].split(",")[1] == "5"


def test_the_sweep_rewarms_recent_viewers_only(client, history, users, frozen, monkeypatch):
    client.force_login(users.hr)
    client.get(FUNNEL)  # HR is a recent viewer; the managers never opened the dashboards
    ApplicationFactory(job=history.er_job, state="new")
    queued = []
    monkeypatch.setattr(tasks, "enqueue_warm", lambda: queued.append(True))
    assert jobs.warm(frozen) == "queued" and queued == [True]
    assert jobs.warm(frozen + dt.timedelta(minutes=5)) == "skipped: warmed recently"
    result = tasks.warm_figures()  # what the worker runs
    assert result == {"viewers": 1, "figures": sum(len(names) for _t, names in figure_cache.PAGES.values())}
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(FUNNEL)
    assert applied(response) == 6  # warmed with the new application, served without recomputing
    assert not [q for q in ctx.captured_queries if "candidates_transitionlog" in q["sql"]]


def test_cache_off_means_live_figures(client, history, users, frozen, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    client.force_login(users.hr)
    assert applied(client.get(FUNNEL)) == 5
    ApplicationFactory(job=history.er_job, state="new")
    response = client.get(FUNNEL)
    assert applied(response) == 6 and "refresh=1" not in response.content.decode()
    assert jobs.warm(frozen) == "skipped: figures are not cached"


def test_the_warm_up_is_a_worker_task():
    from hrsys.celery import app

    app.loader.import_default_modules()
    assert "dashboard.tasks.warm_figures" in app.tasks
