"""Browser walks (Playwright on Debian's chromium): a candidate on a 360 px phone from the link to the
uploaded onboarding document, and a hiring manager approving an offer (R-PORTAL-1, R-PORTAL-2, R-PORTAL-3, R-PORTAL-4, R-SCHED-5, R-OFFER-2,
R-OFFER-3, R-OFFER-4). Screenshots (zh-hans, phone width) go to artifacts/screenshots/."""

import datetime

import pytest
from django.utils import timezone

from onboarding import services
from onboarding.links import portal_token
from onboarding.models import CandidateDocument, OnboardingInfo
from tests.onboarding.factories import PNG, band, drafted, interviewing_app, sent_offer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("message_templates")]


def _scheduled_interview(app):
    from candidates.models import InterviewRound
    from interviews.models import Interview
    from tests.factories import UserFactory

    interviewer = UserFactory(username="iv-browser", role="interviewer", departments=[app.job.department])
    rnd = InterviewRound.objects.create(job=app.job, order=1, kind="technical")
    rnd.interviewers.add(interviewer)
    start = timezone.now() + datetime.timedelta(days=2)
    iv = Interview.objects.create(application=app, round=rnd, starts_at=start,
                                  ends_at=start + datetime.timedelta(hours=1), state="scheduled")
    iv.interviewers.add(interviewer)
    return iv


def test_candidate_walk_on_phone(live_server, phone, shot, users, org, tmp_path):
    band(org.emergency)
    app = interviewing_app(org.emergency)
    iv = _scheduled_interview(app)
    offer = sent_offer(users, app)
    candidate = app.candidate
    page = phone
    base = live_server.url

    # link -> portal home (timeline)
    page.goto(f"{base}/portal/l/{portal_token(candidate.pk)}/")
    page.wait_for_selector("h1")
    assert candidate.name in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling at 360 px
    shot(page, "01-portal-home")

    # confirm the interview
    page.goto(f"{base}/portal/interviews/{iv.pk}/")
    shot(page, "02-interview")
    page.locator("form:has(input[value=confirm]) button").click()
    page.wait_for_selector(".msg")
    iv.refresh_from_db()
    assert iv.state == "confirmed"

    # reschedule: pick the first offered slot
    page.goto(f"{base}/portal/interviews/{iv.pk}/reschedule/")
    shot(page, "03-reschedule")
    page.locator("input[name=slot]").first.check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector(".msg")
    iv.refresh_from_db()
    assert iv.state == "rescheduled"

    # the offer: type the name, draw a signature, accept
    page.goto(f"{base}/portal/offers/{offer.pk}/")
    page.fill("#typed_name", candidate.name)
    page.locator("#signature-pad").scroll_into_view_if_needed()
    box = page.locator("#signature-pad").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 100)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(box["x"] + 20 + i * 22, box["y"] + 100 - (i % 3) * 30, steps=3)
    page.mouse.up()
    page.check("#accept_terms")
    assert page.evaluate("document.getElementById('signature-data').value").startswith("data:image/png;base64,")
    shot(page, "04-offer-signed-before-submit")
    page.click("#sign-submit")
    page.wait_for_url("**/portal/onboarding/")
    offer.refresh_from_db()
    assert offer.state == "accepted" and offer.signature.typed_name == candidate.name

    # onboarding form pre-filled, only missing asked
    assert candidate.phone in page.content()
    page.fill("#id_address", "上海市浦东新区张江路 1 号")
    page.fill("#id_bank_account", "6222020200112233445")
    page.fill("#id_emergency_contact_name", "王芳")
    page.fill("#id_emergency_contact_phone", "13900001234")
    page.click("#onboarding-form button[type=submit]")
    page.wait_for_selector(".msg")
    info = OnboardingInfo.objects.get(candidate=candidate)
    assert info.bank_account == "6222020200112233445"
    shot(page, "05-onboarding")

    # upload an ID photo
    png = tmp_path / "id.png"
    png.write_bytes(PNG)
    page.select_option("#kind", "id_card")
    page.set_input_files("#file", str(png))
    page.locator("#documents form button[type=submit]").click()
    page.wait_for_selector(".msg")
    assert CandidateDocument.objects.filter(candidate=candidate, kind="id_card").exists()
    shot(page, "06-onboarding-uploaded")

    # privacy: what they agreed to when applying, per purpose, and their data (R-SEC-5, R-SEC-6)
    page.goto(f"{base}/portal/privacy/")
    page.wait_for_selector(".privacy-org li[data-purpose=recruitment]")
    assert "已于" in page.inner_text("li[data-purpose=recruitment]")
    assert page.locator("#your-data #ask-copy").count() == 1
    shot(page, "07-privacy")


def test_otp_login_on_phone(live_server, phone, shot, org):
    from portal.models import OneTimeCode
    from tests.candidates.factories import CandidateFactory

    candidate = CandidateFactory(phone="+8613800005555")
    page = phone
    page.goto(f"{live_server.url}/portal/login/")
    shot(page, "00-login")
    page.fill("#identifier", "13800005555")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#code").count() == 1, page.content()
    assert OneTimeCode.objects.filter(candidate=candidate).count() == 1
    page.fill("#code", "000000")  # wrong (1 in a million it is right)
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("#code-error")  # beside the field, which keeps the code (R-PORTAL-4)
    assert OneTimeCode.objects.get(candidate=candidate).attempts == 1


def test_hiring_manager_approves_offer(live_server, browser, shot, users, org):
    from django.conf import settings
    from django.test import Client

    band(org.emergency)
    app = interviewing_app(org.emergency)
    offer = drafted(users, app, salary=11000)
    services.offer_submit(actor=users.hr, offer_id=offer.pk)
    client = Client()
    client.force_login(users.er_manager)
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/offers/approvals/")
    page.click(f"text={app.candidate.name}")
    page.wait_for_selector("svg")
    shot(page, "10-approval")
    page.fill("#comment", "同意")
    page.click("button[value=approve]")
    page.wait_for_url("**/offers/approvals/")
    offer.refresh_from_db()
    assert offer.state == "approved"
    context.close()
