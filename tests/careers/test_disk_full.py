"""The disk full under the media folder while a candidate applies: a clear 503 (the page, or the API's error
format), nothing half saved (no candidate, application or résumé row, no half file); once there is room the same
application goes through (R-SEC-8; issue 21 item 5). The disk is a real full tmpfs, not a stubbed storage."""

from pathlib import Path

import pytest
from django.test import Client

from candidates.models import Application, Candidate, Resume
from tests.careers.conftest import form
from tests.faults.disk import full_disk


@pytest.fixture
def media_on_a_full_disk(settings, tmp_path):
    folder = tmp_path / "full-media"
    with full_disk(folder) as free:
        settings.MEDIA_ROOT = str(folder)
        yield free


def _files(folder: str) -> set[str]:
    return {str(p.relative_to(folder)) for p in Path(folder).rglob("*") if p.is_file()}


def test_r_sec_8_applying_on_the_site_with_the_disk_full(nurse_job, resume_pdf, media_on_a_full_disk, settings):
    before = _files(settings.MEDIA_ROOT)
    response = Client(raise_request_exception=False).post(
        f"/careers/jobs/{nurse_job.pk}/apply/", form(resume_pdf), REMOTE_ADDR="203.0.113.30",
        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 503 and response["Retry-After"]
    page = response.content.decode()
    assert 'id="service-unavailable"' in page and "无法保存文件" in page and "Traceback" not in page
    assert not Candidate.objects.exists() and not Application.objects.exists() and not Resume.objects.exists()
    assert _files(settings.MEDIA_ROOT) == before  # no half-written résumé left behind

    media_on_a_full_disk()  # room again: the same application goes through
    again = Client().post(f"/careers/jobs/{nurse_job.pk}/apply/", form(resume_pdf), REMOTE_ADDR="203.0.113.30")
    assert again.status_code == 302
    resume = Resume.objects.get()
    assert resume.file.read()[:4] == b"%PDF"  # stored, and decrypts


def test_r_sec_8_applying_through_the_api_with_the_disk_full(nurse_job, resume_pdf, media_on_a_full_disk):
    from rest_framework.test import APIClient

    response = APIClient().post(f"/api/v1/public/jobs/{nurse_job.pk}/applications/", form(resume_pdf),
                                format="multipart", REMOTE_ADDR="203.0.113.31")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "storage_unavailable"
    assert not Candidate.objects.exists() and not Resume.objects.exists()
