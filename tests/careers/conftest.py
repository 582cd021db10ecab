"""The careers site's world: a published clinical job (a nurse: licence number required, BLS optional), a published
job without credentials, and a résumé as people send it (R-PIPE-8)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from candidates.consent import STANDARD_VERSION
from tests.candidates.factories import JobFactory
from tests.candidates.test_resumes import ZH_LINES, make_docx, make_pdf

PRIVACY_NOTICE_VERSION = str(STANDARD_VERSION)  # the standard notice: no organisation has published its own


@pytest.fixture
def nurse_job(org):
    return JobFactory(department=org.emergency, title="急诊科护士", priority="urgent", headcount=4, published=True,
                      required_credentials=["nurse_licence", "bls"], description="急诊科招聘护士4名。")


@pytest.fixture
def office_job(org):
    return JobFactory(department=org.it, title="运维工程师", published=True, required_credentials=[])


@pytest.fixture(scope="session")
def resume_pdf() -> bytes:
    return make_pdf(ZH_LINES, chinese=True)


@pytest.fixture(scope="session")
def resume_docx() -> bytes:
    return make_docx(ZH_LINES)


def form(resume: bytes | None, **overrides) -> dict:
    """A complete, valid application as the careers form posts it (the nurse job's licence included)."""
    data = {"name": "李晓红", "phone": "139 1234 5678", "email": "xiaohong.li@example.cn",
            "licence_nurse_licence": "202312345678", "consent": "on", "consent_version": PRIVACY_NOTICE_VERSION}
    if resume is not None:
        data["resume"] = SimpleUploadedFile("李晓红简历.pdf", resume, content_type="application/pdf")
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def submit_kwargs(job, resume: bytes | None, **overrides) -> dict:
    """The same application as keyword arguments of ``careers.services.application_submit``."""
    values = {"job_id": job.pk, "name": "李晓红", "phone": "139 1234 5678", "email": "xiaohong.li@example.cn",
              "resume": resume, "resume_name": "李晓红简历.pdf",
              "licences": {"licence_nurse_licence": "202312345678"}, "consent": True,
              "consent_version": PRIVACY_NOTICE_VERSION, "language": "zh-hans", "ip": "203.0.113.9",
              "user_agent": "pytest"}
    values.update(overrides)
    return values
