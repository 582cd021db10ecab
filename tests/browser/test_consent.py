"""Consent in the browser (R-SEC-5, R-PORTAL-2): HR publishes a new version of the hospital's privacy notice in
the admin; the candidate on a 360 px phone is asked again, agrees to the AI interview's recording under the new
version and withdraws from the talent pool; HR sees the answers on the application page and is refused the AI
invitation of a candidate who has not agreed. Screenshots (zh-hans) go to artifacts/screenshots/."""

import pytest

from candidates.models import ConsentRecord, PrivacyNotice, State
from onboarding.links import portal_token
from tests.browser.staff import no_horizontal_scroll, staff_login
from tests.candidates.factories import JobFactory, app_in_state

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("message_templates")]

ZH = ("本院隐私告知书（第二版）：我们仅为处理您的求职申请处理您的个人信息，包括联系方式、简历与面试结果。AI 视频面试会录像，"
      "录像保存 180 天后删除。敏感信息加密保存，每次访问均有记录。您可随时在候选人门户撤回同意或要求删除数据。")
EN = ("Hospital privacy notice, version two: we process your personal information only to run your application. "
      "AI video interviews are recorded and the recordings deleted after 180 days.")


def test_hr_publishes_a_notice_and_the_candidate_answers_on_the_phone(live_server, browser, phone, shot, users, org):
    pooled = app_in_state(State.TALENT_POOL, job=JobFactory(department=org.emergency, title="急诊护士"),
                          consented=["recruitment", "talent_pool"])
    candidate = pooled.candidate

    # HR: a new version of the hospital's notice, prefilled with the one shown now
    context, page = staff_login(browser, live_server, users.hr)
    page.goto(f"{live_server.url}/admin/candidates/privacynotice/add/?organization={org.hospital.pk}")
    assert "个人信息" in page.input_value("#id_text_zh_hans")
    page.fill("#id_text_zh_hans", ZH)
    page.fill("#id_text_en", EN)
    shot(page, "consent-01-hr-publishes-notice")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    assert "第 2 版" in page.inner_text(".messagelist")
    assert PrivacyNotice.objects.get().version == 2
    shot(page, "consent-02-hr-notice-list")

    # the candidate: asked again on the home page, the new text on the privacy page
    phone.goto(f"{live_server.url}/portal/l/{portal_token(candidate.pk)}/")
    phone.wait_for_selector("h1")
    banner = phone.locator("p.notice a")
    assert "隐私告知书" in banner.inner_text()
    banner.click()
    phone.wait_for_selector(".privacy-org")
    assert "第二版" in phone.content() and no_horizontal_scroll(phone)
    assert "已更新" in phone.inner_text(".privacy-org .notice")
    shot(phone, "consent-03-portal-asked-again")
    phone.check("form.agree input[name=purpose][value=recruitment]")
    phone.check("form.agree input[name=purpose][value=ai_recording]")
    phone.click("form.agree button[value=agree]")
    phone.wait_for_selector(".msg")
    assert set(ConsentRecord.objects.filter(candidate=candidate, notice_version=2, given=True)
               .values_list("purpose", flat=True)) == {"recruitment", "ai_recording"}
    assert "已于" in phone.inner_text("li[data-purpose=ai_recording]")

    # withdraw from the talent pool: the explanation first, then the button
    item = phone.locator("li[data-purpose=talent_pool]")
    item.locator("summary").click()
    assert "人才库" in item.inner_text()
    shot(phone, "consent-04-portal-withdraw-explained")
    item.locator("button[value=withdraw]").click()
    phone.wait_for_selector(".msg")
    assert "撤回于" in phone.inner_text("li[data-purpose=talent_pool]")
    shot(phone, "consent-05-portal-withdrawn")
    pooled.refresh_from_db()
    assert pooled.state == State.WITHDRAWN

    # HR sees the answers on the application page
    page.goto(f"{live_server.url}/workspace/applications/{pooled.pk}/")
    consents = page.inner_text("#application-consents")
    assert "已同意（告知书第 2 版" in consents and "撤回于" in consents
    shot(page, "consent-06-hr-application-page")
    context.close()


def test_hr_is_told_why_an_ai_invitation_is_refused(live_server, browser, shot, users, org):
    from tests.ai_interviews.factories import VendorFactory

    VendorFactory(slug="acme", name="Acme AI", interview_url_template="https://ai.example/{assessment_id}")
    app = app_in_state(State.SCREENING, job=JobFactory(department=org.emergency, title="急诊护士"),
                       consented=["recruitment"])
    context, page = staff_login(browser, live_server, users.hr)
    page.goto(f"{live_server.url}/workspace/applications/{app.pk}/")
    assert "尚未征询" in page.inner_text("#application-consents")  # AI recording: never asked
    response = page.request.post(f"{live_server.url}/api/v1/ai-interviews/invitations/", data={
        "application": app.pk, "vendor": "acme", "deadline": "2099-01-01T09:00:00+08:00"},
        headers={"X-CSRFToken": next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")})
    assert response.status == 409 and "录像" in response.json()["error"]["message"]
    context.close()
