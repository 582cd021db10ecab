"""The careers site in real Chromium on a 360 px phone (issue 18 item 1, R-PIPE-8, R-PORTAL-4): a candidate lists
the open jobs, opens one, sends the form without agreeing to the privacy notice and is told so beside the box (the
résumé to be chosen again), then applies in Chinese with a PDF résumé and reads the confirmation; HR then finds
the application on the job's board under the source "Careers website" and on its page. axe-core checks every page
(tests/browser/conftest.py). Screenshots in artifacts/screenshots/careers-*.png."""

import pytest

from candidates.models import Application
from notifications.models import Notification
from tests.browser.staff import LAPTOP, no_horizontal_scroll, path_of, staff_login
from tests.candidates.factories import JobFactory
from tests.candidates.test_resumes import ZH_LINES, make_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("message_templates")]


def test_r_pipe_8_a_candidate_applies_on_a_phone_and_hr_sees_it(live_server, phone, browser, shot, users, org,
                                                               tmp_path):
    job = JobFactory(department=org.emergency, title="急诊科护士", priority="urgent", headcount=4, published=True,
                     required_credentials=["nurse_licence", "bls"], min_years=1, education_level="associate",
                     description="负责急诊科分诊、抢救配合和护理工作。\n三班倒，提供住宿。",
                     skills=[{"name": "静脉穿刺", "weight": 3}, {"name": "心肺复苏", "weight": 2}])
    JobFactory(department=org.it, title="运维工程师", published=True)
    JobFactory(department=org.company, title="餐厅服务员", published=True, priority="high")
    resume = tmp_path / "李晓红简历.pdf"
    resume.write_bytes(make_pdf(ZH_LINES, chinese=True))
    page = phone
    base = live_server.url

    # the open jobs, per organisation
    page.goto(f"{base}/careers/")
    assert page.title() == "在招职位 · 招聘"
    assert no_horizontal_scroll(page)
    shot(page, "careers-01-jobs-zh-hans")

    # a job's page
    page.click(f'a[href="/careers/jobs/{job.pk}/"]')
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("急诊科护士")
    assert no_horizontal_scroll(page)
    shot(page, "careers-02-job-zh-hans")

    # the form, sent without agreeing: the message beside the box and in the summary, the file to choose again
    page.click(f'a[href="/careers/jobs/{job.pk}/apply/"]')
    page.wait_for_load_state()
    assert no_horizontal_scroll(page)
    shot(page, "careers-03-form-zh-hans")
    page.fill("#id_name", "李晓红")
    page.fill("#id_phone", "139 1234 5678")
    page.fill("#id_email", "xiaohong.li@example.cn")
    page.set_input_files("#id_resume", str(resume))
    page.fill("#id_licence_nurse_licence", "202312345678")
    page.fill("#id_licence_nurse_licence_expires", "2029-12-31")
    with page.expect_navigation():
        page.click("form.apply-form button[type=submit]")
    assert page.title().startswith("请检查")
    assert page.locator("#consent-error").is_visible()
    assert page.locator("#id_consent").get_attribute("aria-invalid") == "true"
    assert page.locator("#error-summary a[href='#id_consent']").count() == 1
    assert page.locator("#id_name").input_value() == "李晓红"  # kept
    assert "请重新选择文件" in page.locator("#resume-hint").inner_text()
    assert not Application.objects.exists()
    shot(page, "careers-04-form-refused-zh-hans")

    # read the notice, agree, choose the résumé again, send
    page.click("fieldset.consent details summary")
    assert page.locator("fieldset.consent details p").first.is_visible()
    page.set_input_files("#id_resume", str(resume))
    page.check("#id_consent")
    shot(page, "careers-05-form-filled-zh-hans")
    with page.expect_navigation():
        page.click("form.apply-form button[type=submit]")
    assert path_of(page, live_server) == f"/careers/jobs/{job.pk}/applied/"
    assert page.locator("h1").inner_text() == "谢谢，您的申请已提交"
    assert no_horizontal_scroll(page)
    shot(page, "careers-06-confirmation-zh-hans")

    application = Application.objects.select_related("candidate").get()
    assert application.source == "website" and application.candidate.name == "李晓红"
    assert application.candidate.resumes.get().kind == "pdf"
    licence = application.candidate.credentials.get()
    assert (licence.type, licence.number, licence.expires_on.isoformat()) == ("nurse_licence", "202312345678",
                                                                                "2029-12-31")
    assert Notification.objects.filter(template_key="careers_application_received").count() == 2  # SMS, e-mail

    # HR finds it on the job's board (source "Careers website") and on its page
    context, hr = staff_login(browser, live_server, users.hr, viewport=LAPTOP)
    hr.goto(f"{base}/workspace/jobs/{job.pk}/board/?source=website")
    card = hr.locator(f"#card-{application.pk}")
    assert card.count() == 1 and "李晓红" in card.inner_text()
    shot(hr, "careers-07-hr-board-zh-hans")
    card.locator("a.name").click()
    hr.wait_for_load_state()
    assert path_of(hr, live_server) == f"/workspace/applications/{application.pk}/"
    assert "官网招聘" in hr.locator("main").inner_text()
    shot(hr, "careers-08-hr-application-zh-hans")
    context.close()


def test_r_pipe_8_the_careers_site_in_english_on_a_phone(live_server, phone, shot, org):
    job = JobFactory(department=org.emergency, title="急诊科护士", published=True, required_credentials=["nurse_licence"])
    page = phone
    page.goto(f"{live_server.url}/careers/jobs/{job.pk}/apply/")
    with page.expect_navigation():
        page.click("form.lang button[value=en]")
    assert page.url.endswith(f"/careers/jobs/{job.pk}/apply/")  # the switch comes back to the same page
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.title() == "Apply: 急诊科护士 · Careers"
    assert no_horizontal_scroll(page)
    shot(page, "careers-09-form-en")
    page.goto(f"{live_server.url}/careers/")
    shot(page, "careers-10-jobs-en")
