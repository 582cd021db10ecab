"""Offers in the back office (R-OFFER-1..4): HR drafts an offer for an application that finished its interviews,
edits the draft, submits it, the manager approves, HR sends it or withdraws it; errors are shown and change
nothing; other departments see nothing."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from onboarding import services
from onboarding.models import Offer
from tests.factories import UserFactory
from tests.onboarding.factories import band, interviewing_app

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pdf(settings, monkeypatch):
    from notifications import tasks as notification_tasks

    settings.OFFER_LETTER_PDF = False
    monkeypatch.setattr(notification_tasks, "enqueue_delivery", lambda notification_id: None)


@pytest.fixture
def hr(users):
    client = Client()
    client.force_login(users.hr)
    return client


def test_hr_drafts_edits_submits_and_sends_an_offer_in_the_browser(hr, users, org):
    band(org.emergency)
    app = interviewing_app(org.emergency)
    page = hr.get("/admin/onboarding/offer/add/")
    assert page.status_code == 200 and app.candidate.name in page.content.decode()
    response = hr.post("/admin/onboarding/offer/add/", {"application": app.pk, "job_level": "N1", "note": "护理部推荐"})
    offer = Offer.objects.get(application=app)
    assert response.status_code == 302 and response["Location"].endswith(f"/offer/{offer.pk}/desk/")
    assert offer.state == "draft" and offer.monthly_salary == Decimal("10000")  # the band midpoint
    desk = f"/admin/onboarding/offer/{offer.pk}/desk/"
    start = (timezone.localdate() + datetime.timedelta(days=40)).isoformat()
    valid = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    fields = {"action": "save", "monthly_salary": "11000", "start_date": start, "valid_until": valid,
              "probation_months": "3", "job_level": "N1", "note": ""}
    assert hr.post(desk, fields).status_code == 302
    offer.refresh_from_db()
    assert offer.monthly_salary == Decimal("11000") and offer.start_date.isoformat() == start and offer.version == 2
    below = hr.post(desk, {**fields, "monthly_salary": "5000"})
    assert below.status_code == 400 and "5000" in below.content.decode()  # below the band minimum
    offer.refresh_from_db()
    assert offer.monthly_salary == Decimal("11000")
    assert hr.post(desk, {"action": "submit"}).status_code == 302
    offer.refresh_from_db()
    assert offer.state == "pending_approval"
    for approval in offer.approvals.order_by("step"):
        services.offer_decide(actor=approval.approver, approval_id=approval.pk, decision="approve", comment="同意")
    assert hr.post(desk, {"action": "send"}).status_code == 302
    offer.refresh_from_db()
    assert offer.state == "sent" and offer.document_sha256
    assert hr.post(desk, {"action": "withdraw", "reason": ""}).status_code == 400  # a reason is needed
    assert hr.post(desk, {"action": "withdraw", "reason": "编制取消"}).status_code == 302
    offer.refresh_from_db()
    assert offer.state == "withdrawn" and offer.withdraw_reason == "编制取消"


def test_offer_desk_scope_and_permissions(hr, users, org):
    band(org.emergency)
    app = interviewing_app(org.emergency)
    hr.post("/admin/onboarding/offer/add/", {"application": app.pk, "job_level": "N1"})
    offer = Offer.objects.get(application=app)
    it_hr = UserFactory(username="it_hr", role="hr_staff", departments=[org.it])
    other = Client()
    other.force_login(it_hr)
    assert other.get(f"/admin/onboarding/offer/{offer.pk}/desk/").status_code == 404
    assert other.post("/admin/onboarding/offer/add/", {"application": app.pk, "job_level": "N1"}).status_code == 400  # not theirs
    manager = Client()
    manager.force_login(users.er_manager)
    page = manager.get(f"/admin/onboarding/offer/{offer.pk}/desk/").content.decode()
    assert 'id="offer-edit"' not in page  # managers approve on their approval page; they do not edit offers
    assert manager.post(f"/admin/onboarding/offer/{offer.pk}/desk/", {"action": "submit"}).status_code == 403
    offer.refresh_from_db()
    assert offer.state == "draft"
