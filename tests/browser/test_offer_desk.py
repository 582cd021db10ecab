"""The offer desk and the probation review page in a real browser (R-OFFER-1, R-OFFER-2, R-ATT-4): HR drafts an
offer, submits it; after approval sends it; a manager decides a probation. Screenshots in zh-hans."""

import datetime as dt

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _page(browser, live_server, user):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME]
                          .value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(20000)
    return context, page


def test_hr_drafts_submits_and_sends_an_offer(browser, live_server, message_templates, users, org, shot, monkeypatch):
    from notifications import tasks as notification_tasks
    from onboarding import services
    from onboarding.models import Offer
    from tests.onboarding.factories import band, interviewing_app

    monkeypatch.setattr(notification_tasks, "enqueue_delivery", lambda notification_id: None)
    band(org.emergency)
    app = interviewing_app(org.emergency)
    context, page = _page(browser, live_server, users.hr)
    page.goto(f"{live_server.url}/admin/onboarding/offer/add/")
    page.select_option("#application", str(app.pk))
    page.fill("input[name=job_level]", "N1")
    page.click("#offer-draft input[type=submit]")
    page.locator("#offer-desk").wait_for()
    offer = Offer.objects.get(application=app)
    assert offer.state == "draft"
    page.fill("#offer-edit input[name=monthly_salary]", "10500")
    page.click("#offer-edit input[type=submit]")
    page.locator("#offer-submit").wait_for()
    offer.refresh_from_db()
    assert offer.monthly_salary == 10500
    page.click("#offer-submit")
    page.locator("#offer-state").wait_for()
    offer.refresh_from_db()
    assert offer.state == "pending_approval"
    for approval in offer.approvals.order_by("step"):
        services.offer_decide(actor=approval.approver, approval_id=approval.pk, decision="approve", comment="同意")
    page.reload()
    page.click("#offer-send")
    page.locator("#offer-state").wait_for()
    offer.refresh_from_db()
    assert offer.state == "sent"
    shot(page, "admin-offer-desk-sent-zh-hans")
    context.close()


def test_manager_decides_a_probation_on_its_review_page(browser, live_server, users, org, shot):
    from django.utils import timezone

    from attendance.models import DailyResult, ProbationReview
    from tests.attendance.factories import active_account

    account = active_account(org.emergency, name="吴护士", effective=timezone.localdate() - dt.timedelta(days=80))
    review = ProbationReview.objects.create(account=account, department=org.emergency,
                                            starts_on=account.effective_date,
                                            ends_on=account.effective_date + dt.timedelta(days=90))
    for n in range(7):
        DailyResult.objects.create(account=account, department=org.emergency, stale=False, status="present",
                                   work_date=account.effective_date + dt.timedelta(days=n), late_minutes=9)
    context, page = _page(browser, live_server, users.er_manager)
    page.goto(f"{live_server.url}/admin/attendance/probationreview/{review.pk}/decide/")
    page.locator("span.flag").first.wait_for()
    shot(page, "admin-probation-review-zh-hans")
    page.check("input[name=decision][value=extend]")
    page.fill("#comment", "迟到较多，延长一个月观察")
    page.click("#probation-decision input[type=submit]")
    page.locator(".messagelist").wait_for()
    review.refresh_from_db()
    assert review.decision == "extend" and review.extensions == 1
    context.close()
