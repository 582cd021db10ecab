"""Data subject requests in the browser (R-SEC-6): the candidate on a 360 px phone asks for a copy of their data
and for its deletion; HR sees both with their due dates in the admin, prepares the copy and carries out the
deletion; the candidate downloads the ZIP. Screenshots (zh-hans) go to artifacts/screenshots/."""

import io
import json
import zipfile

import pytest

from candidates.models import Candidate, State
from onboarding.links import portal_token
from portal.models import SubjectRequest
from tests.browser.staff import no_horizontal_scroll, staff_login
from tests.candidates.factories import JobFactory, app_in_state

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("message_templates")]


def test_candidate_asks_for_a_copy_and_deletion_and_hr_carries_them_out(live_server, browser, phone, shot, users,
                                                                          org):
    app = app_in_state(State.REJECTED, job=JobFactory(department=org.emergency, title="急诊护士"))
    candidate = app.candidate
    base = live_server.url

    # the candidate asks for a copy, then for deletion (a page says what deletion means first)
    phone.goto(f"{base}/portal/l/{portal_token(candidate.pk)}/")
    phone.wait_for_selector("h1")
    phone.goto(f"{base}/portal/privacy/")
    phone.wait_for_selector("#your-data")
    phone.click("#ask-copy")
    phone.wait_for_selector("#your-data li[data-request]")
    assert no_horizontal_scroll(phone)
    phone.click("#ask-deletion")
    phone.wait_for_selector("input[name=confirm]")
    shot(phone, "subject-01-portal-deletion-explained")
    phone.check("input[name=confirm]")
    phone.locator("form button[type=submit]").last.click()
    phone.wait_for_selector("#your-data")
    assert phone.locator("#your-data li[data-request]").count() == 2
    shot(phone, "subject-02-portal-two-requests")
    copy = SubjectRequest.objects.get(candidate=candidate, kind="copy")
    deletion = SubjectRequest.objects.get(candidate=candidate, kind="deletion")
    assert copy.state == deletion.state == "open" and copy.due_at > copy.requested_at

    # HR: both in the list with their due dates; the copy prepared from its page
    context, page = staff_login(browser, live_server, users.hr)
    page.goto(f"{base}/admin/portal/subjectrequest/")
    assert page.locator("#result_list tbody tr").count() == 2
    shot(page, "subject-03-hr-request-list")
    page.goto(f"{base}/admin/portal/subjectrequest/{copy.pk}/change/")
    page.click("#prepare-copy")
    page.wait_for_selector(".messagelist")
    copy.refresh_from_db()
    assert copy.state == "done" and copy.copy_file

    # the candidate downloads the ZIP: data.json with their name
    phone.goto(f"{base}/portal/privacy/")
    with phone.expect_download() as download_info:
        phone.click(f"li[data-request='{copy.pk}'] a[download]")
    archive = zipfile.ZipFile(io.BytesIO(open(download_info.value.path(), "rb").read()))
    data = json.loads(archive.read("data.json"))
    assert data["candidate"]["name"] == candidate.name
    shot(phone, "subject-04-portal-copy-ready")

    # HR carries out the deletion (the browser's confirm dialog accepted)
    page.goto(f"{base}/admin/portal/subjectrequest/{deletion.pk}/change/")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#carry-out-deletion")
    page.wait_for_selector(".messagelist")
    shot(page, "subject-05-hr-deletion-done")
    deletion.refresh_from_db()
    assert deletion.state == "done"
    gone = Candidate.objects.get(pk=candidate.pk)
    assert gone.anonymised_at is not None and gone.phone == "" and gone.name != candidate.name
    context.close()
