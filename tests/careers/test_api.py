"""The careers site as JSON (R-PIPE-8, R-INT-1): open jobs without sign-in, and applications as multipart with the
same checks, messages and answers as the form; 400 names every field and stores nothing; 429 when over the limit."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from candidates.consent import STANDARD_VERSION
from candidates.models import Application, Candidate
from tests.candidates.factories import ApplicationFactory, CandidateFactory, JobFactory
from tests.careers.conftest import form
from tests.careers.helpers import snapshot

PRIVACY_NOTICE_VERSION = str(STANDARD_VERSION)  # the standard notice: no organisation has published its own

pytestmark = pytest.mark.django_db


def _apply(job, resume, client=None, **overrides):
    client = client or APIClient()
    return client.post(f"/api/v1/public/jobs/{job.pk}/applications/", form(resume, **overrides), format="multipart")


def test_r_pipe_8_the_open_jobs_without_signing_in(org, nurse_job, office_job):
    JobFactory(department=org.it, title="招聘专员", published=False)
    JobFactory(department=org.it, title="已关闭", published=True, status="closed")
    response = APIClient().get("/api/v1/public/jobs/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and [j["title"] for j in body["results"]] == ["急诊科护士", "运维工程师"]
    nurse = body["results"][0]
    assert nurse["organization"] == org.hospital.code and nurse["organization_name"] == org.hospital.name
    assert nurse["department_name"] == "急诊科" and nurse["priority"] == "urgent" and nurse["headcount"] == 4
    assert [(c["type"], c["field"], c["expires_field"], c["required"]) for c in nurse["credentials"]] == [
        ("nurse_licence", "licence_nurse_licence", "licence_nurse_licence_expires", True),
        ("bls", "licence_bls", "licence_bls_expires", False)]
    assert nurse["credentials"][0]["label"] == "护士执业证书"
    assert nurse["url"].endswith(f"/careers/jobs/{nurse_job.pk}/")
    assert nurse["privacy_notice_version"] == PRIVACY_NOTICE_VERSION
    assert nurse["privacy_notice_url"].endswith(f"/careers/privacy/?organization={org.hospital.code}")
    # nothing internal: no assessment thresholds, no rejection text, no interview plan, no backup pool
    assert not {"assessment_dimensions", "rejection_message", "rounds", "credential_checkpoints",
                "backup_pool", "published", "status"} & set(nurse)


def test_r_pipe_8_jobs_of_one_organisation(org, nurse_job):
    company_job = JobFactory(department=org.company, published=True)
    client = APIClient()
    assert [j["id"] for j in client.get(f"/api/v1/public/jobs/?organization={org.company.code}").json()[
        "results"]] == [company_job.pk]
    assert client.get("/api/v1/public/jobs/?organization=unknown").json()["count"] == 0
    assert client.get("/api/v1/public/jobs/?colour=red").status_code == 400  # unknown parameter named


def test_r_pipe_8_one_job_and_404_for_a_job_not_on_the_site(org, nurse_job):
    client = APIClient()
    assert client.get(f"/api/v1/public/jobs/{nurse_job.pk}/").json()["title"] == "急诊科护士"
    internal = JobFactory(department=org.it, published=False)
    for path in (f"/api/v1/public/jobs/{internal.pk}/", "/api/v1/public/jobs/987654321/"):
        response = client.get(path)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert _apply(internal, b"%PDF-").status_code == 404


def test_r_pipe_8_applying_through_the_api(nurse_job, resume_pdf):
    response = _apply(nurse_job, resume_pdf, preferred_language="en", licence_nurse_licence_expires="2029-12-31")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "received"
    candidate = Candidate.objects.get()
    assert candidate.source == "website" and candidate.preferred_language == "en"
    assert candidate.resumes.get().kind == "pdf"
    licence = candidate.credentials.get()
    assert (licence.number, licence.expires_on.isoformat()) == ("202312345678", "2029-12-31")
    assert Application.objects.get().source == "website"


def test_r_pipe_8_a_token_is_not_needed_and_not_used(users, nurse_job, resume_pdf):
    client = APIClient()
    client.force_authenticate(users.hr)
    assert _apply(nurse_job, resume_pdf, client=client).status_code == 202
    assert Application.objects.get().created_by is None  # the careers site, not the HR user


@pytest.mark.parametrize(("overrides", "fields"), [
    ({"licence_nurse_licence": ""}, {"licence_nurse_licence"}),
    ({"consent": None}, {"consent"}),
    ({"consent_version": "2024-01"}, {"consent"}),
    ({"phone": "12", "name": ""}, {"phone", "name"}),
    ({"colour": "red"}, {"colour"}),
    ({"preferred_language": "fr"}, {"preferred_language"}),
    ({"licence_nurse_licence_expires": "soon"}, {"licence_nurse_licence_expires"}),
])
def test_r_pipe_8_bad_input_is_400_naming_the_fields_and_stores_nothing(nurse_job, resume_pdf, overrides, fields):
    before = snapshot()
    response = _apply(nurse_job, resume_pdf, **overrides)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == fields
    assert snapshot() == before


def test_r_pipe_8_the_api_answers_the_form_s_own_messages(nurse_job, resume_pdf):
    from django.test import Client

    api = _apply(nurse_job, resume_pdf, licence_nurse_licence="").json()["error"]["fields"]
    page = Client().post(f"/careers/jobs/{nurse_job.pk}/apply/", form(resume_pdf, licence_nurse_licence=""))
    assert api["licence_nurse_licence"][0] in page.content.decode()


@pytest.mark.parametrize(("data", "name"), [(b"GIF89a....", "cv.gif"), (b"%PDF-1.4 garbage", "cv.pdf"), (b"", "cv.pdf")])
def test_r_pipe_8_a_resume_that_is_not_a_readable_pdf_or_docx_is_400(nurse_job, data, name):
    before = snapshot()
    payload = form(None)
    payload["resume"] = SimpleUploadedFile(name, data)
    response = APIClient().post(f"/api/v1/public/jobs/{nurse_job.pk}/applications/", payload, format="multipart")
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["resume"]
    assert snapshot() == before


def test_r_pipe_8_a_resume_that_is_not_a_file_is_400(nurse_job):
    response = APIClient().post(f"/api/v1/public/jobs/{nurse_job.pk}/applications/",
                                {**form(None), "resume": "not a file"}, format="multipart")
    assert response.status_code == 400 and "resume" in response.json()["error"]["fields"]


def test_r_pipe_8_the_api_answer_never_tells_whether_the_person_is_known(nurse_job, resume_pdf):
    answers = []
    for setup in ("new", "known", "active", "spam"):
        Application.objects.all().delete()
        Candidate.objects.all().delete()
        if setup in ("known", "active"):
            known = CandidateFactory(phone="+8613912345678")
            if setup == "active":
                ApplicationFactory(candidate=known, job=nurse_job)
        extra = {"homepage": "http://spam.example"} if setup == "spam" else {}
        response = _apply(nurse_job, resume_pdf, **extra)
        answers.append((response.status_code, response.content))
    assert len(set(answers)) == 1 and answers[0][0] == 202


def test_r_pipe_8_over_the_limit_the_api_answers_429_with_a_clear_message(nurse_job, resume_pdf, settings):
    settings.CAREERS_APPLY_PER_IP = 1
    assert _apply(nurse_job, resume_pdf).status_code == 202
    before = snapshot()
    response = _apply(nurse_job, resume_pdf, phone="13700000011", email="")
    assert response.status_code == 429
    assert response.json()["error"] == {"code": "throttled", "message": "提交的申请过多，请稍后再试。"}
    assert snapshot() == before


def test_r_pipe_8_a_forged_forwarded_for_does_not_escape_the_limit(nurse_job, settings):
    settings.CAREERS_APPLY_PER_IP = 1
    client, path = APIClient(), f"/api/v1/public/jobs/{nurse_job.pk}/applications/"
    first = client.post(path, form(None), format="multipart", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert first.status_code == 400  # no résumé: refused, and counted
    second = client.post(path, form(None), format="multipart", HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert second.status_code == 429  # TRUSTED_PROXY_COUNT is 0: the header is not read


def test_r_pipe_8_the_public_api_is_throttled_per_client_address(nurse_job, monkeypatch):
    from careers.api import ClientAddressThrottle

    monkeypatch.setattr(ClientAddressThrottle, "rate", "2/min", raising=False)
    client = APIClient()
    assert [client.get("/api/v1/public/jobs/").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/v1/public/jobs/", REMOTE_ADDR="198.51.100.9").status_code == 200
    assert client.get("/api/v1/public/jobs/").json()["error"]["code"] == "throttled"
