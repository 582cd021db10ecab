"""A hiring manager approves an offer from the approvals inbox, in real Chromium, through the login form only; the
database is read back only to check state (issue 14 item 6). Screenshots go to artifacts/screenshots/.

R-UI-6, R-OFFER-2: after login the manager lands on the inbox, opens the waiting offer, sees the résumé, the AI
interview result, every round's feedback and the band position in words, and approves; the offer is approved.
"""

import pytest

from onboarding.models import ApprovalDecision, Offer, OfferApproval
from tests.browser.staff import LAPTOP, PHONE, no_horizontal_scroll, staff_login
from tests.onboarding.approval_world import offer_waiting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def test_r_ui_6_manager_approves_an_offer_from_the_inbox(browser, live_server, users, org, shot, message_templates):
    """R-UI-6, R-OFFER-2: inbox -> approval page (résumé, AI result, feedback, band position) -> approve."""
    w = offer_waiting(users, org.emergency)
    context, page = staff_login(browser, live_server, users.er_manager, viewport=LAPTOP)
    assert page.url.removeprefix(live_server.url) == "/offers/approvals/"
    row = page.locator(f'#approvals-waiting tr[data-approval="{w.approval.pk}"]')
    assert "李秀英" in row.inner_text() and "在带宽内" in row.inner_text() and "急诊护士" in row.inner_text()
    shot(page, "approvals-inbox-desktop-zh-hans")
    row.locator("a").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/offers/approvals/{w.approval.pk}/")
    assert page.locator("#approval-resumes a").inner_text() == "李秀英-简历.pdf"
    assert page.locator("#approval-resumes a").get_attribute("href") == f"/api/v1/resumes/{w.resume.pk}/file/"
    assert "13912345678" not in page.content()
    ai = page.locator("#approval-ai").inner_text()
    assert "strongly recommended" in ai and "逻辑思维" in ai and "75" in ai
    assert page.locator("#approval-ai a.ai-recording").get_attribute("href") == f"/api/v1/ai-interviews/media/{w.media.pk}/"
    feedback = page.locator("#approval-feedback .feedback")
    assert feedback.count() == 2 and "沟通能力: 5" in feedback.nth(1).inner_text()
    assert page.locator("#band-position").inner_text() == "在带宽内"
    shot(page, "approvals-offer-desktop-zh-hans")
    # ask for changes without a reason: a field error, nothing changes
    page.click("button[value=request_change]")
    page.wait_for_selector("#comment-errors")
    assert Offer.objects.get(pk=w.offer.pk).state == "pending_approval"
    shot(page, "approvals-offer-reason-required-desktop-zh-hans")
    page.fill("#comment", "同意录用")
    page.click("button[value=approve]")
    page.wait_for_url("**/offers/approvals/")
    assert "李秀英" in page.locator("#approvals-decided").inner_text()
    assert page.locator("#approvals-waiting tr").count() == 0
    shot(page, "approvals-inbox-after-desktop-zh-hans")
    offer = Offer.objects.get(pk=w.offer.pk)
    step = OfferApproval.objects.get(pk=w.approval.pk)
    assert offer.state == "approved" and step.decision == ApprovalDecision.APPROVED and step.comment == "同意录用"
    context.close()


def test_r_ui_6_inbox_and_approval_page_on_a_phone(browser, live_server, users, org, shot, message_templates):
    """R-UI-6: at 390 px the inbox rows are cards and the approval page has no sideways scrolling."""
    w = offer_waiting(users, org.emergency, salary=12500, priority="urgent")
    context, page = staff_login(browser, live_server, users.er_manager, viewport=PHONE)
    assert page.url.removeprefix(live_server.url) == "/offers/approvals/"
    assert no_horizontal_scroll(page)
    shot(page, "approvals-inbox-390-zh-hans")
    page.goto(f"{live_server.url}/offers/approvals/{w.approval.pk}/")
    assert page.locator("#band-position").inner_text() == "高于带宽"
    assert no_horizontal_scroll(page)
    shot(page, "approvals-offer-390-zh-hans")
    context.close()
