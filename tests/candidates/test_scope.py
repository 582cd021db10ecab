"""Department isolation of every pipeline endpoint, list, search and export (R-SEC-1, R-DASH-4)."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from candidates import services
from candidates.models import TalentPoolEntry
from hrsys.audit.models import AccessLog
from tests.candidates.factories import ApplicationFactory, CredentialFactory, app_in_state
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users, er_job, it_job):
    er_app = app_in_state("screening", job=er_job)
    it_app = app_in_state("screening", job=it_job)
    it_cred = CredentialFactory(candidate=it_app.candidate)
    it_resume = services.resume_upload(actor=users.hr, candidate_id=it_app.candidate_id, filename="cv.pdf",
                                       data=_tiny_pdf())
    pooled = app_in_state("rejected", job=it_job)
    services.application_transition(actor=users.hr, application_id=pooled.pk, transition="to_talent_pool",
                                    reason="later")
    return type("World", (), {"er_app": er_app, "it_app": it_app, "it_cred": it_cred, "it_resume": it_resume,
                              "it_pool": TalentPoolEntry.objects.get(application=pooled)})


def _tiny_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, "Jane Doe  jane@example.org")
    c.save()
    return buf.getvalue()


def test_detail_endpoints_answer_404_outside_scope(users, api_as, world, er_job, it_job):
    client = api_as(users.er_manager)
    it = world.it_app
    for url in [f"/api/v1/applications/{it.pk}/", f"/api/v1/candidates/{it.candidate_id}/",
                f"/api/v1/candidates/{it.candidate_id}/timeline/", f"/api/v1/jobs/{it_job.pk}/",
                f"/api/v1/credentials/{world.it_cred.pk}/", f"/api/v1/credentials/{world.it_cred.pk}/file/",
                f"/api/v1/resumes/{world.it_resume.pk}/", f"/api/v1/resumes/{world.it_resume.pk}/file/"]:
        assert client.get(url).status_code == 404, url
    assert client.get(f"/api/v1/applications/{world.er_app.pk}/").status_code == 200
    assert client.get(f"/api/v1/candidates/{world.er_app.candidate_id}/").status_code == 200


def test_writes_outside_scope_answer_404_for_hr_of_another_department(org, api_as, world, it_job):
    from tests.factories import UserFactory

    er_hr = UserFactory(username="er_hr", role="hr_staff", departments=[org.emergency])
    client = api_as(er_hr)
    it = world.it_app
    for url, data in [
        (f"/api/v1/applications/{it.pk}/transitions/reject/", {"reason": "x"}),
        (f"/api/v1/applications/{world.it_pool.application_id}/reactivate/", {"job": it_job.pk}),
        (f"/api/v1/candidates/{it.candidate_id}/merge/", {"source": world.er_app.candidate_id}),
        (f"/api/v1/resumes/{world.it_resume.pk}/confirm/", {"years_experience": 3}),
        (f"/api/v1/talent-pool/{world.it_pool.pk}/tags/", {"add": ["x"]}),
    ]:
        assert client.post(url, data).status_code == 404, url
    assert client.patch(f"/api/v1/jobs/{it_job.pk}/", {"title": "x"}).status_code == 404
    assert client.patch(f"/api/v1/candidates/{it.candidate_id}/", {"name": "x"}).status_code == 404
    upload = SimpleUploadedFile("cv.pdf", _tiny_pdf())
    assert client.post(f"/api/v1/candidates/{it.candidate_id}/resumes/", {"file": upload},
                       format="multipart").status_code == 404
    response = client.post("/api/v1/credentials/", {"candidate": it.candidate_id, "type": "bls"})
    assert response.status_code == 404
    it.refresh_from_db()
    assert it.state == "screening"


def test_lists_and_search_never_show_other_departments(users, api_as, world):
    client = api_as(users.er_manager)
    it = world.it_app
    checks = {
        "/api/v1/applications/?page_size=200": world.it_app.pk,
        "/api/v1/candidates/?page_size=200": it.candidate_id,
        "/api/v1/credentials/?page_size=200": world.it_cred.pk,
        "/api/v1/talent-pool/?page_size=200": world.it_pool.pk,
    }
    for url, hidden in checks.items():
        ids = [r["id"] for r in client.get(url).json()["results"]]
        assert hidden not in ids, url
    assert world.er_app.pk in [r["id"] for r in client.get("/api/v1/applications/").json()["results"]]
    jobs = [r["id"] for r in client.get("/api/v1/jobs/").json()["results"]]
    assert it.job_id not in jobs and world.er_app.job_id in jobs
    for term in (it.candidate.phone, it.candidate.email, it.candidate.id_number, it.candidate.name):
        assert client.get("/api/v1/candidates/", {"search": term}).json()["count"] == 0
        assert client.get("/api/v1/applications/", {"search": term}).json()["count"] == 0
    # director sees both
    assert api_as(users.director).get("/api/v1/applications/").json()["count"] == 3


@pytest.mark.parametrize("url", ["/api/v1/applications/export/", "/api/v1/candidates/export/"])
def test_exports_are_scoped_and_logged(users, api_as, world, url):  # R-DASH-4, R-SEC-3
    response = api_as(users.er_manager).get(url + "?format=csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    ids = {r[0] for r in rows[1:]}
    expected = world.er_app.pk if "applications" in url else world.er_app.candidate_id
    assert ids == {str(expected)}
    assert world.it_app.candidate.name not in text
    log = AccessLog.objects.get(kind="export")
    assert log.actor == users.er_manager and "1 rows" in log.detail
    xlsx = api_as(users.er_manager).get(url + "?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_interviewer_sees_nothing_by_default(users, api_as, world):
    client = api_as(users.interviewer)
    assert client.get("/api/v1/applications/").json()["count"] == 0
    assert client.get(f"/api/v1/applications/{world.er_app.pk}/").status_code == 404


def test_admin_lists_and_pages_are_scoped(users, world):
    client = Client()
    assert client.login(username="er_manager", password=PASSWORD)
    it = world.it_app
    body = client.get("/admin/candidates/application/").content.decode()
    assert world.er_app.candidate.name in body and it.candidate.name not in body
    for url in [f"/admin/candidates/application/{it.pk}/change/", f"/admin/candidates/candidate/{it.candidate_id}/change/",
                f"/admin/candidates/credential/{world.it_cred.pk}/change/",
                f"/admin/candidates/credential/{world.it_cred.pk}/file/",
                f"/admin/candidates/resume/{world.it_resume.pk}/file/",
                f"/admin/candidates/jobrequisition/{it.job_id}/change/"]:
        assert client.get(url).status_code == 404, url
    search = client.get("/admin/candidates/application/", {"q": it.candidate.phone})
    assert search.context["cl"].result_count == 0
    export = client.post("/admin/candidates/application/", {"action": "export_csv", "_selected_action": [
        world.er_app.pk, it.pk]})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert world.er_app.candidate.name in text and it.candidate.name not in text


def test_manager_cannot_move_from_admin(users, world):
    client = Client()
    assert client.login(username="er_manager", password=PASSWORD)
    page = client.get(f"/admin/candidates/application/{world.er_app.pk}/change/")
    assert page.status_code == 200 and page.context["moves"] == []
    client.post(f"/admin/candidates/application/{world.er_app.pk}/move/reject/", {"reason": "x"})
    world.er_app.refresh_from_db()
    assert world.er_app.state == "screening"


def test_unscoped_candidates_are_visible_to_director_only(users, api_as):
    from tests.candidates.factories import CandidateFactory

    loose = CandidateFactory()
    assert api_as(users.hr).get(f"/api/v1/candidates/{loose.pk}/").status_code == 404
    assert api_as(users.director).get(f"/api/v1/candidates/{loose.pk}/").status_code == 200


def test_application_factory_in_sub_department_is_visible_to_parent_manager(users, api_as, org):
    from tests.candidates.factories import JobFactory

    ward_app = ApplicationFactory(job=JobFactory(department=org.ward))
    assert api_as(users.er_manager).get(f"/api/v1/applications/{ward_app.pk}/").status_code == 200
    assert api_as(users.it_manager).get(f"/api/v1/applications/{ward_app.pk}/").status_code == 404


def test_r_sec_1_scope_inline_reads_the_same_rows_as_the_scope_lists(users, world, er_job, it_job):
    """The application scope as subqueries of one query (``for_user(inline=True)``, what the list API does for
    one job) answers exactly what the scope's lists answer, for every role: whole departments, sub-departments,
    the interviews assigned to an interviewer, everything for the director; departments known or not yet read."""
    import datetime as dt

    from django.utils import timezone

    from candidates.models import Application, TalentPoolEntry
    from hrsys.accounts.scope import forget_cached_scope, visible_department_ids
    from interviews.models import Interview

    interview = Interview.objects.create(application=world.it_app, starts_at=timezone.now() + dt.timedelta(days=1),
                                         ends_at=timezone.now() + dt.timedelta(days=1, hours=1))
    interview.interviewers.set([users.interviewer])  # an IT application, seen only through the interview
    expected = {  # job -> user -> the rows they see
        er_job: {"hr": {world.er_app}, "er_manager": {world.er_app}, "it_manager": set(), "interviewer": set(),
                 "director": {world.er_app}},
        it_job: {"hr": {world.it_app, world.it_pool.application}, "er_manager": set(),
                 "it_manager": {world.it_app, world.it_pool.application}, "interviewer": {world.it_app},
                 "director": {world.it_app, world.it_pool.application}},
    }
    for job, seen in expected.items():
        for name, rows in seen.items():
            user = getattr(users, name)
            for departments_read in (False, True):
                forget_cached_scope(user)
                if departments_read:
                    visible_department_ids(user)
                inline = set(Application.objects.for_user(user, inline=True).filter(job=job))
                forget_cached_scope(user)
                if departments_read:
                    visible_department_ids(user)
                listed = set(Application.objects.for_user(user).filter(job=job))
                assert inline == listed == rows, (job.title, name, departments_read)
    # a model scoped through the application (a to-many path) reads the same way
    forget_cached_scope(users.er_manager)
    assert not TalentPoolEntry.objects.for_user(users.er_manager, inline=True).exists()
    assert TalentPoolEntry.objects.for_user(users.it_manager, inline=True).get() == world.it_pool
