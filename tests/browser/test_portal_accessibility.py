"""The candidate portal by keyboard on a 360 px phone, in Chromium (issue 15 points 6 and 10, WCAG 2.1 AA,
R-PORTAL-4). axe-core checks every page on the way (tests/browser/conftest.py); this walk checks what axe
cannot: where focus lands, what a refused form says and where, target sizes, the language switch."""

import datetime

import pytest
from django.utils import timezone

from interviews.models import Interview
from onboarding.links import portal_token
from tests.candidates.factories import CandidateFactory
from tests.onboarding.factories import band, interviewing_app, sent_offer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("message_templates")]


def _focused(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def _box(page, selector):
    return page.locator(selector).bounding_box()


def test_r_portal_4_code_sign_in_by_keyboard_keeps_focus_and_the_wrong_code(live_server, phone, shot, org):
    CandidateFactory(phone="+8613800006666")
    page = phone
    page.goto(f"{live_server.url}/portal/login/")
    page.fill("#identifier", "13800006666")
    with page.expect_navigation():
        page.press("#identifier", "Enter")
    assert _focused(page) == "code"  # not the top of the page: the field to type the code in
    page.keyboard.type("000001")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    code = page.locator("#code")
    assert _focused(page) == "code" and code.input_value() == "000001"
    assert code.get_attribute("aria-invalid") == "true" and code.get_attribute("aria-describedby") == "code-error"
    assert page.locator("#code-error").is_visible()
    assert page.title().startswith("请检查")
    shot(page, "R-PORTAL-4-wrong-code-zh-hans")


def test_r_portal_4_offer_signed_by_keyboard_on_a_phone(live_server, phone, shot, users, org):
    band(org.emergency)
    app = interviewing_app(org.emergency)
    offer = sent_offer(users, app)
    start = timezone.now() + datetime.timedelta(days=2)
    iv = Interview.objects.create(application=app, starts_at=start, ends_at=start + datetime.timedelta(hours=1),
                                  state="scheduled")
    page = phone
    base = live_server.url
    page.goto(f"{base}/portal/l/{portal_token(app.candidate.pk)}/")
    page.wait_for_selector("h1")
    home_title = page.title()
    assert "待您答复" in page.content() and "待您确认" in page.content()

    # the language switch: focusing it changes nothing, pressing it switches (and back)
    switch = page.locator("form.lang button[value=en]")
    switch.focus()
    page.keyboard.press("Tab")
    assert page.url.endswith("/portal/")
    with page.expect_navigation():
        switch.click()
    assert page.locator("html").get_attribute("lang") == "en" and "Waiting for your answer" in page.content()
    shot(page, "R-PORTAL-4-home-en")
    with page.expect_navigation():
        page.click("form.lang button[value=zh-hans]")
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    # the decline disclosure shows its marker
    page.goto(f"{base}/portal/interviews/{iv.pk}/")
    marker = page.evaluate("getComputedStyle(document.querySelector('details.decline summary'), '::before').content")
    assert "▸" in marker
    assert page.title() != home_title

    # the offer: Back and the signature buttons are real touch targets, away from the box
    page.goto(f"{base}/portal/offers/{offer.pk}/")
    back = _box(page, "a.back")
    assert back["width"] >= 44 and back["height"] >= 44
    canvas, clear, typed = _box(page, "#signature-pad"), _box(page, "#signature-clear"), _box(page, "#signature-typed")
    for button in (clear, typed):
        assert button["width"] >= 44 and button["height"] >= 44
        assert button["y"] >= canvas["y"] + canvas["height"] + 12  # not right under the box

    # submitting without a signature: the message, beside the box, with focus on it
    page.fill("#typed_name", app.candidate.name)
    page.check("#accept_terms")
    page.click("#sign-submit")
    error = page.locator("#signature-error")
    assert error.is_visible() and _focused(page) == "signature-error"
    assert "signature-error" in page.locator("#signature-field").get_attribute("aria-describedby")
    assert page.url.endswith(f"/portal/offers/{offer.pk}/")
    shot(page, "R-PORTAL-4-offer-no-signature-zh-hans")

    # the keyboard alternative: the typed name becomes the signature
    page.focus("#signature-typed")
    page.keyboard.press("Enter")
    assert page.evaluate("document.getElementById('signature-data').value").startswith("data:image/png;base64,")
    assert page.locator("#signature-pad").get_attribute("aria-label") == "签名框：已用您输入的姓名签名"
    assert error.is_hidden()
    shot(page, "R-PORTAL-4-offer-typed-signature-zh-hans")
    page.focus("#sign-submit")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    offer.refresh_from_db()
    assert offer.state == "accepted"
    assert page.url.endswith("/portal/onboarding/")
    assert page.locator("#id_address").get_attribute("autocomplete") == "street-address"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "R-PORTAL-4-onboarding-after-acceptance-zh-hans")
