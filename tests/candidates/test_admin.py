"""The HR back office: screening queue, moves, bulk actions, timeline, diagram (R-PIPE-*, R-HOSP-2)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from candidates import services
from candidates.models import Application, TransitionLog
from hrsys.accounts.scope import forget_cached_scope
from tests.candidates.factories import ApplicationFactory, CredentialFactory, JobFactory, app_in_state
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_client(users):
    client = Client()
    assert client.login(username="hr", password=PASSWORD)
    return client


def test_changelist_filters_and_constant_queries(users, hr_client, er_job, it_job):
    for _ in range(5):
        app_in_state("screening", job=er_job, match_score=85)
    app_in_state("new", job=it_job, match_score=30, source="campus")
    url = "/admin/candidates/application/"
    assert hr_client.get(url, {"score": "80"}).context["cl"].result_count == 5
    assert hr_client.get(url, {"job": it_job.pk}).context["cl"].result_count == 1
    assert hr_client.get(url, {"department": er_job.department.pk}).context["cl"].result_count == 5
    assert hr_client.get(url, {"priority": "urgent"}).context["cl"].result_count == 5
    assert hr_client.get(url, {"priority": "urgent", "score": "80"}).context["cl"].result_count == 5
    assert hr_client.get(url, {"priority": "urgent", "score": "0"}).context["cl"].result_count == 0
    assert hr_client.get(url, {"priority": it_job.priority, "score": "0"}).context["cl"].result_count == (
        it_job.priority != "urgent")
    assert hr_client.get(url, {"state__exact": "new"}).context["cl"].result_count == 1
    assert hr_client.get(url, {"source__exact": "campus"}).context["cl"].result_count == 1
    assert hr_client.get(url, {"o": "6"}).status_code == 200  # sort by score
    with CaptureQueriesContext(connection) as small:
        hr_client.get(url)
    for _ in range(30):
        ApplicationFactory(job=er_job)
    forget_cached_scope(users.hr)
    with CaptureQueriesContext(connection) as big:
        response = hr_client.get(url)
    assert len(response.context["cl"].result_list) == 36
    assert len(big) == len(small)


def test_change_page_shows_only_allowed_moves_and_moves(users, hr_client, er_job):
    app = app_in_state("screening", job=er_job)
    page = hr_client.get(f"/admin/candidates/application/{app.pk}/change/")
    moves = [name for name, _label in page.context["moves"]]
    assert sorted(moves) == ["invite_ai", "reject", "to_talent_pool", "withdraw"]  # no licence: no interview
    assert "Nurse practising licence" in page.content.decode() and "<svg" in page.content.decode()
    hr_client.post(f"/admin/candidates/application/{app.pk}/move/advance_to_interview/")
    assert Application.objects.get(pk=app.pk).state == "screening"
    CredentialFactory(candidate=app.candidate)
    page = hr_client.get(f"/admin/candidates/application/{app.pk}/change/")
    assert "advance_to_interview" in [n for n, _ in page.context["moves"]]
    response = hr_client.post(f"/admin/candidates/application/{app.pk}/move/advance_to_interview/",
                              {"reason": "good"}, follow=True)
    assert Application.objects.get(pk=app.pk).state == "interviewing"
    assert "Done" in response.content.decode()


def test_bulk_advance_reports_each_row(users, hr_client, it_job, er_job):
    ok = app_in_state("screening", job=it_job)
    blocked = app_in_state("screening", job=er_job)  # no licence
    wrong = app_in_state("offer", job=it_job)
    response = hr_client.post("/admin/candidates/application/", {
        "action": "bulk_advance", "_selected_action": [ok.pk, blocked.pk, wrong.pk]}, follow=True)
    text = response.content.decode()
    assert "1 done" in text and f"#{blocked.pk}" in text and f"#{wrong.pk}" in text
    assert [Application.objects.get(pk=a.pk).state for a in (ok, blocked, wrong)] == ["interviewing", "screening",
                                                                                       "offer"]


def test_bulk_reject_asks_for_a_reason_then_applies_it(users, hr_client, it_job):
    apps = [app_in_state("screening", job=it_job) for _ in range(2)]
    ids = [a.pk for a in apps]
    form = hr_client.post("/admin/candidates/application/", {"action": "bulk_reject", "_selected_action": ids})
    assert form.status_code == 200 and "reason" in form.content.decode()
    assert Application.objects.filter(state="rejected").count() == 0
    hr_client.post("/admin/candidates/application/", {"action": "bulk_reject", "_selected_action": ids,
                                                      "apply": "1", "reason": "岗位已满"})
    assert Application.objects.filter(state="rejected").count() == 2
    assert set(TransitionLog.objects.values_list("reason", flat=True)) == {"岗位已满"}


def test_candidate_page_timeline(users, hr_client, it_job):
    app = app_in_state("new", job=it_job)
    services.application_transition(actor=users.hr, application_id=app.pk, transition="screen", reason="初筛")
    services.credential_add(actor=users.hr, candidate_id=app.candidate_id, type="bls")
    page = hr_client.get(f"/admin/candidates/candidate/{app.candidate_id}/change/")
    timeline = page.context["timeline"]
    # consent given when applying (the factory's, R-SEC-5), then what HR did
    assert [r["action"] for r in timeline] == ["consent.give", "screen", "credential.add"]
    assert "初筛" in page.content.decode()


def test_admin_add_candidate_goes_through_the_service(users, hr_client, it_job):
    response = hr_client.post("/admin/candidates/candidate/add/", {
        "name": "新人", "phone": "13911112222", "email": "", "id_number": "", "education": "bachelor",
        "years_experience": 1, "skills": "[]", "source": "walk_in", "preferred_language": "zh-hans",
        "consent_version": "", "job": it_job.pk,
        "applications-TOTAL_FORMS": 0, "applications-INITIAL_FORMS": 0,
        "credentials-TOTAL_FORMS": 0, "credentials-INITIAL_FORMS": 0})
    assert response.status_code == 302, response.context["adminform"].form.errors
    app = Application.objects.get()
    assert app.job == it_job and app.candidate.phone == "+8613911112222"
    again = hr_client.post("/admin/candidates/candidate/add/", {
        "name": "重复", "phone": "139 1111 2222", "email": "", "id_number": "", "education": "bachelor",
        "years_experience": 1, "skills": "[]", "source": "walk_in", "preferred_language": "zh-hans",
        "consent_version": "", "job": it_job.pk,
        "applications-TOTAL_FORMS": 0, "applications-INITIAL_FORMS": 0,
        "credentials-TOTAL_FORMS": 0, "credentials-INITIAL_FORMS": 0})
    assert again.status_code == 200 and "Duplicate" in again.content.decode()
    assert Application.objects.count() == 1


def test_diagram_view_and_command(users, hr_client, tmp_path):
    page = hr_client.get("/admin/candidates/application/diagram/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    from django.core.management import call_command

    call_command("graph_transitions", out=str(tmp_path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    svg = (tmp_path / "application_states.svg").read_text()
    mmd = (tmp_path / "application_states.mmd").read_text()
    for name in services.TRANSITION_NAMES:  # people read the moves' labels; the Mermaid source keeps the names
        assert services.transition_label(name) in svg and name in mmd
        assert f">{name}<" not in svg
    assert "offer --> hired : hire" in mmd


def test_job_admin_edit_recomputes_scores(users, hr_client, org):
    job = JobFactory(department=org.it, skills=[], min_years=0, education_level="none")
    app = ApplicationFactory(job=job)
    services.application_recompute_match(application_id=app.pk)
    page = hr_client.get(f"/admin/candidates/jobrequisition/{job.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "backup_pool"}
    data.update({"department": org.it.pk, "skills": '[{"name": "COBOL", "weight": 5}]', "min_years": 0,
                 "required_credentials": [], "credential_checkpoints": ["hire"], "assessment_dimensions": "[]",
                 "rounds-TOTAL_FORMS": 0, "rounds-INITIAL_FORMS": 0})
    response = hr_client.post(f"/admin/candidates/jobrequisition/{job.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    app.refresh_from_db()
    assert app.match_breakdown["skills"]["missing"] == ["COBOL"]
    job.refresh_from_db()
    assert job.credential_checkpoints == ["hire"] and job.required_credentials == []


def test_job_admin_offers_credentials_and_gated_moves_by_name(users, hr_client, org):
    """Issue 15: the job form lists credential types and moves by their labels (checkboxes), not as codes."""
    job = JobFactory(department=org.it)
    html = hr_client.get(f"/admin/candidates/jobrequisition/{job.pk}/change/").content.decode()
    assert 'type="checkbox" name="credential_checkpoints" value="hire"' in html
    assert f" {services.transition_label('hire')}</label>" in html
    assert '["hire"' not in html


def test_history_on_the_application_page_is_in_local_time(users, hr_client, er_job):
    """R-UI-2: the application page's history shows the moves in the display time zone (Asia/Shanghai), like the
    rest of the page -- a move at 02:50 UTC reads 10:50."""
    import datetime as dt

    import time_machine

    app = app_in_state("new", job=er_job)
    with time_machine.travel(dt.datetime(2026, 11, 23, 2, 50, tzinfo=dt.UTC), tick=False):
        services.application_transition(actor=users.hr, application_id=app.pk, transition="screen")
    body = hr_client.get(f"/admin/candidates/application/{app.pk}/change/").content.decode()
    assert "2026-11-23 10:50" in body and "2026-11-23 02:50" not in body


@pytest.mark.parametrize("model, query", [
    ("application", ""), ("application", "?state__exact=screening&o=6"), ("candidate", ""),
    ("candidate", "?source=referral"),
])
def test_fast_changelist_rows_are_djangos_rows(users, er_job, model, query):
    """The HR changelists' rows (candidates_admin_list, issue 17) are the HTML Django's ``items_for_result``
    writes: each cell, its classes, the change link with the list's filters, the empty value, the checkbox."""
    from django.contrib import admin
    from django.contrib.admin.templatetags import admin_list
    from django.test import RequestFactory
    from django.urls import resolve

    from candidates.models import Candidate
    from candidates.templatetags import candidates_admin_list

    for state, score in (("screening", 80), ("new", None), ("screening", 55)):
        app = app_in_state(state, job=er_job, match_score=score)
        Candidate.objects.filter(pk=app.candidate_id).update(name=f'<i>{state}</i> & "{score}"', source="referral")
    CredentialFactory(candidate=app.candidate)
    request = RequestFactory().get(f"/admin/candidates/{model}/{query}")
    request.user = users.hr
    request.resolver_match = resolve(f"/admin/candidates/{model}/")
    model_admin = admin.site._registry[Application if model == "application" else Candidate]
    cl = model_admin.get_changelist_instance(request)
    cl.formset = None  # as changelist_view sets it for a list without list_editable
    assert cl.result_list, "rows to compare"
    assert isinstance(candidates_admin_list._change_url_parts(cl), tuple)  # the fast path, not Django's
    django_rows = [list(row) for row in admin_list.results(cl)]
    fast_rows = [list(row) for row in candidates_admin_list.results(cl)]
    assert fast_rows == django_rows
    assert any("?_changelist_filters=" in cell for row in fast_rows for cell in row) == bool(query)
