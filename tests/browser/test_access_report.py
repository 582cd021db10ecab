"""The HR director reads who looked at whom in real Chromium (R-SEC-7): signs in through the login form, opens the
access report from the access log, filters by one viewer and downloads the CSV export. Screenshots go to
artifacts/screenshots/."""

import pytest

from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from tests.browser.staff import LAPTOP, staff_login
from tests.candidates.factories import ApplicationFactory, JobFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_r_sec_7_director_filters_the_access_report_by_a_viewer_and_exports_it(browser, live_server, users, org,
                                                                                 shot, tmp_path):
    job = JobFactory(department=org.emergency, title="急诊护士")
    a = ApplicationFactory(job=job, candidate__name="张晓红")
    b = ApplicationFactory(job=job, candidate__name="李建国")
    access_log(actor=users.hr, kind="view", obj=a.candidate, detail="web page", channel="web")
    access_log(actor=users.hr, kind="view", obj=b.candidate, detail="web page", channel="web")
    access_log(actor=users.interviewer, kind="view", obj=b.candidate, detail="web page", channel="web")
    access_log(actor=users.interviewer, kind="download", obj=("candidates.application", b.pk), detail="résumé",
               channel="api")

    context, page = staff_login(browser, live_server, users.director, viewport=LAPTOP)
    page.goto(f"{live_server.url}/admin/audit/accesslog/")
    page.click("text=访问报告")
    page.wait_for_load_state()
    assert page.url.startswith(f"{live_server.url}/admin/audit/accesslog/report/")
    by_viewer = page.locator("#by-viewer").inner_text()
    assert str(users.hr) in by_viewer and str(users.interviewer) in by_viewer
    assert "张晓红" in page.locator("#by-person").inner_text()
    shot(page, "access-report-desktop-zh-hans")

    page.select_option("#id_viewer", str(users.interviewer.pk))
    page.click("#access-report-filters button[type=submit]")
    page.wait_for_load_state()
    entries = page.locator("#access-entries tbody tr")
    assert entries.count() == 2
    assert all(str(users.interviewer) in entries.nth(i).inner_text() for i in range(2))
    people = page.locator("#by-person").inner_text()
    assert "李建国" in people and "张晓红" not in people
    shot(page, "access-report-by-viewer-desktop-zh-hans")

    with page.expect_download() as download_info:
        page.click("#access-report-export")
    target = tmp_path / "access-report.csv"
    download_info.value.save_as(target)
    text = target.read_text(encoding="utf-8-sig")
    lines = text.strip().splitlines()
    assert len(lines) == 3 and all(str(users.interviewer) in line for line in lines[1:])
    assert "李建国" in text and "张晓红" not in text
    export = AccessLog.objects.get(actor=users.director, kind="export", object_type="audit.accesslog")
    assert f"viewer={users.interviewer.pk}" in export.detail
    context.close()
