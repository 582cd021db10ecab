"""The careers site's pages, no sign-in (R-PIPE-8, R-PORTAL-4): open jobs per organisation, a page per job, the
application form with its field messages and error summary, the confirmation, the same answer whoever applies, the
spam trap, the limit, zh-hans and English."""

import re

import pytest
from django.test import Client
from django.utils import translation

from candidates.consent import STANDARD_VERSION
from candidates.models import Application, Candidate
from tests.candidates.factories import ApplicationFactory, CandidateFactory, JobFactory
from tests.careers.conftest import form
from tests.careers.helpers import snapshot

PRIVACY_NOTICE_VERSION = str(STANDARD_VERSION)  # the standard notice: no organisation has published its own

pytestmark = pytest.mark.django_db


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)).split())


def test_r_pipe_8_open_jobs_are_listed_per_organisation_and_others_are_not(org, nurse_job, office_job):
    company_job = JobFactory(department=org.company, title="餐厅服务员", published=True)
    internal = JobFactory(department=org.it, title="招聘专员", published=False)
    closed = JobFactory(department=org.emergency, title="已招满岗位", published=True, status="filled")

    html = Client().get("/careers/").content.decode()

    hospital, company = html.index(org.hospital.name), html.index(org.company.name)
    assert hospital < html.index("急诊科护士") < html.index("运维工程师") < company < html.index("餐厅服务员")
    assert internal.title not in html and closed.title not in html
    assert f'href="/careers/jobs/{nurse_job.pk}/"' in html and f'href="/careers/jobs/{company_job.pk}/"' in html
    assert "急招" in html and "招聘 4 人" in html  # the urgent ER job, its headcount
    assert _title(html) == "在招职位 · 招聘"


def test_r_pipe_8_an_organisation_page_lists_its_own_jobs_only(org, nurse_job):
    JobFactory(department=org.company, title="餐厅服务员", published=True)
    page = Client().get(f"/careers/{org.hospital.code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "急诊科护士" in html and "餐厅服务员" not in html
    assert _title(html).startswith(f"{org.hospital.name}在招职位")
    assert Client().get(f"/careers/{org.emergency.code}/").status_code == 404  # a department is not an organisation
    assert Client().get("/careers/no-such-org/").status_code == 404
    empty = Client().get(f"/careers/{org.company.code}/").content.decode()
    assert "餐厅服务员" in empty


def test_r_pipe_8_a_job_page_says_what_the_job_asks_for(nurse_job):
    html = Client().get(f"/careers/jobs/{nurse_job.pk}/").content.decode()
    text = _text(html)
    assert "急诊科护士" in text and "急诊科招聘护士4名。" in text
    assert "至少 2 年" in text and "本科 (Bachelor)" not in text and "及以上" in text
    assert "护士执业证书" in text and "BLS" in text
    assert f'href="/careers/jobs/{nurse_job.pk}/apply/"' in html
    assert _title(html) == "急诊科护士 · 医院 · 招聘"


@pytest.mark.parametrize("change", [{"published": False}, {"status": "draft"}, {"status": "closed"}])
def test_r_pipe_8_a_job_not_on_the_site_has_no_page_and_no_form(nurse_job, change):
    for name, value in change.items():
        setattr(nurse_job, name, value)
    nurse_job.save()
    client = Client()
    for path in (f"/careers/jobs/{nurse_job.pk}/", f"/careers/jobs/{nurse_job.pk}/apply/"):
        assert client.get(path).status_code == 404, path


def test_r_pipe_8_the_form_asks_the_licence_numbers_the_job_needs(nurse_job, office_job):
    html = Client().get(f"/careers/jobs/{nurse_job.pk}/apply/").content.decode()
    licence = re.search(r'<input id="id_licence_nurse_licence"[^>]*>', html).group(0)
    bls = re.search(r'<input id="id_licence_bls"[^>]*>', html).group(0)
    assert "required" in licence and "required" not in bls
    expires = re.search(r'<input id="id_licence_nurse_licence_expires"[^>]*>', html).group(0)
    assert 'type="date"' in expires and "required" not in expires
    assert f'name="consent_version" value="{PRIVACY_NOTICE_VERSION}"' in html
    assert 'enctype="multipart/form-data"' in html and 'accept=".pdf,.docx' in html
    # the spam trap: out of sight, out of the tab order, hidden from screen readers
    trap = re.search(r'<div class="trap" aria-hidden="true">.*?</div>', html, re.S).group(0)
    assert 'name="homepage"' in trap and 'tabindex="-1"' in trap and 'autocomplete="off"' in trap
    plain = Client().get(f"/careers/jobs/{office_job.pk}/apply/").content.decode()
    assert "licence_" not in plain


def test_r_pipe_8_applying_on_the_site_ends_on_the_confirmation(nurse_job, resume_pdf):
    client = Client()
    response = client.post(f"/careers/jobs/{nurse_job.pk}/apply/", form(resume_pdf),
                           REMOTE_ADDR="203.0.113.20", HTTP_USER_AGENT="Mozilla/5.0 (iPhone)")
    assert response.status_code == 302 and response["Location"] == f"/careers/jobs/{nurse_job.pk}/applied/"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "谢谢，您的申请已提交" in html and "候选人门户" in html
    assert _title(html) == "申请已提交 · 招聘"
    candidate = Candidate.objects.get()
    assert candidate.source == "website" and candidate.consents.get().ip == "203.0.113.20"
    assert Application.objects.get().source == "website"
    # the confirmation page is this browser's own: another one is sent to the job's page
    assert Client().get(f"/careers/jobs/{nurse_job.pk}/applied/")["Location"] == f"/careers/jobs/{nurse_job.pk}/"


def test_r_pipe_8_the_answer_is_the_same_whether_or_not_the_person_is_known(nurse_job, resume_pdf):
    """Never reveal whether a phone or e-mail is known: new, known, already applied and spam all end the same."""
    answers = []
    for setup in ("new", "known", "active", "spam"):
        Application.objects.all().delete()
        Candidate.objects.all().delete()
        if setup in ("known", "active"):
            known = CandidateFactory(phone="+8613912345678")
            if setup == "active":
                ApplicationFactory(candidate=known, job=nurse_job)
        client = Client()
        extra = {"homepage": "buy now"} if setup == "spam" else {}
        response = client.post(f"/careers/jobs/{nurse_job.pk}/apply/", form(resume_pdf, **extra))
        page = client.get(response["Location"])
        body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.content.decode())
        answers.append((response.status_code, response["Location"], page.status_code, body))
    assert len(set(answers)) == 1


def test_r_pipe_8_a_refused_form_names_each_field_keeps_the_values_and_stores_nothing(nurse_job, resume_pdf):
    before = snapshot()
    response = Client().post(f"/careers/jobs/{nurse_job.pk}/apply/",
                             form(resume_pdf, phone="12", licence_nurse_licence="", consent=None))
    assert response.status_code == 400
    assert snapshot() == before
    html = response.content.decode()
    assert _title(html).startswith("请检查")
    summary = re.search(r'<div class="errors error-summary".*?</div>', html, re.S).group(0)
    links = re.findall(r'href="#(id_\w+)"', summary)
    assert links == ["id_phone", "id_licence_nurse_licence", "id_consent"]  # in the order of the form
    for field in ("phone", "licence_nurse_licence", "consent"):
        tag = re.search(rf'<input id="id_{field}"[^>]*>', html).group(0)
        assert 'aria-invalid="true"' in tag and f"{field}-error" in tag, tag
        assert f'<p class="field-error" id="{field}-error">' in html
    assert "请输入您的护士执业证书编号。" in summary  # the licence by its name
    assert 'value="李晓红"' in html and 'value="xiaohong.li@example.cn"' in html  # kept to be corrected
    assert "请重新选择文件。" in html  # a browser never keeps a chosen file


def test_r_pipe_8_the_form_refuses_a_resume_that_is_not_pdf_or_word(nurse_job):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = form(None)
    data["resume"] = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0 jpeg", content_type="image/jpeg")
    response = Client().post(f"/careers/jobs/{nurse_job.pk}/apply/", data)
    assert response.status_code == 400
    assert 'id="resume-error"' in response.content.decode() and not Candidate.objects.exists()


def test_r_pipe_8_too_many_tries_answer_429_with_a_clear_message(nurse_job, settings):
    settings.CAREERS_APPLY_PER_IP = 1
    client = Client()
    assert client.post(f"/careers/jobs/{nurse_job.pk}/apply/", form(None)).status_code == 400
    response = client.post(f"/careers/jobs/{nurse_job.pk}/apply/", form(None))
    assert response.status_code == 429
    assert "提交的申请过多，请稍后再试。" in response.content.decode()


def test_r_pipe_8_the_form_needs_its_csrf_token(nurse_job, resume_pdf):
    response = Client(enforce_csrf_checks=True).post(f"/careers/jobs/{nurse_job.pk}/apply/", form(resume_pdf))
    assert response.status_code == 403 and not Candidate.objects.exists()


def test_r_pipe_8_in_english_and_the_applicant_keeps_that_language(nurse_job, resume_pdf):
    client = Client()
    switched = client.post("/portal/language/", {"language": "en", "next": f"/careers/jobs/{nurse_job.pk}/"})
    assert switched["Location"] == f"/careers/jobs/{nurse_job.pk}/"  # back on the careers page
    html = client.get(f"/careers/jobs/{nurse_job.pk}/").content.decode()
    assert '<html lang="en">' in html and "Apply for this job" in html and "at least 2 years" in html
    assert _title(html) == "急诊科护士 · 医院 · Careers"
    form_html = client.get(f"/careers/jobs/{nurse_job.pk}/apply/").content.decode()
    assert "Mobile number" in form_html and "Send application" in form_html
    client.post(f"/careers/jobs/{nurse_job.pk}/apply/", form(resume_pdf))
    assert Candidate.objects.get().preferred_language == "en"


def test_r_pipe_8_the_language_switch_never_leaves_the_site(db):
    response = Client().post("/portal/language/", {"language": "en", "next": "//evil.example/careers/"})
    assert response["Location"] == "/portal/"


def test_r_pipe_8_every_careers_page_has_its_own_title(org, nurse_job, resume_pdf):
    client = Client()
    client.post(f"/careers/jobs/{nurse_job.pk}/apply/", form(resume_pdf))
    urls = ["/careers/", f"/careers/{org.hospital.code}/", f"/careers/jobs/{nurse_job.pk}/",
            f"/careers/jobs/{nurse_job.pk}/apply/", f"/careers/jobs/{nurse_job.pk}/applied/", "/careers/privacy/"]
    titles = {url: _title(client.get(url).content.decode()) for url in urls}
    assert len(set(titles.values())) == len(urls), titles
    assert all(t.endswith(" · 招聘") for t in titles.values()), titles


def test_r_pipe_8_the_privacy_notice_is_public_with_its_version(db):
    html = Client().get("/careers/privacy/").content.decode()
    with translation.override("zh-hans"):
        assert PRIVACY_NOTICE_VERSION in html and "个人信息" in html
