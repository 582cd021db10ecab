"""Portal pages: interviews, offers, onboarding prefill, uploads, consent (R-PORTAL-2, R-PORTAL-3, R-SCHED-5,
R-NS-8, R-OFFER-3)."""

import base64
import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from candidates.models import State
from interviews.models import Interview, JoinProblem
from onboarding.models import CandidateDocument, OnboardingInfo
from tests.onboarding.factories import PNG, band, interviewing_app, sent_offer
from tests.portal.test_access import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def app(org):
    band(org.emergency)
    return interviewing_app(org.emergency)


def _interview(app, state="scheduled", days=3):
    from candidates.models import InterviewRound

    rnd = InterviewRound.objects.get_or_create(job=app.job, order=1, defaults={"kind": "technical"})[0]
    from tests.factories import UserFactory

    interviewer = UserFactory(role="interviewer", departments=[app.job.department])
    rnd.interviewers.add(interviewer)
    start = timezone.now() + datetime.timedelta(days=days)
    iv = Interview.objects.create(application=app, round=rnd, starts_at=start,
                                  ends_at=start + datetime.timedelta(hours=1), state=state)
    iv.interviewers.add(interviewer)
    return iv


def test_r_portal_2_confirm_interview(app):
    iv = _interview(app)
    client = signed_in(app.candidate)
    assert client.post(f"/portal/interviews/{iv.pk}/", {"action": "confirm"}).status_code == 302
    iv.refresh_from_db()
    assert iv.state == "confirmed"


def test_r_ns_8_could_not_join_alerts_hr(users, app):
    iv = _interview(app)
    client = signed_in(app.candidate)
    res = client.post(f"/portal/interviews/{iv.pk}/", {"action": "could_not_join", "reason": "network",
                                                       "detail": "wifi down"})
    assert res.status_code == 302
    assert JoinProblem.objects.filter(interview=iv, reason="network", channel="portal").exists()
    res = client.post(f"/portal/interviews/{iv.pk}/", {"action": "could_not_join", "reason": "bogus"})
    assert res.status_code == 400


def test_r_sched_5_reschedule_to_offered_slot_only(users, app):
    iv = _interview(app)
    client = signed_in(app.candidate)
    page = client.get(f"/portal/interviews/{iv.pk}/reschedule/")
    assert page.status_code == 200
    slots = page.context["slots"]
    assert slots
    res = client.post(f"/portal/interviews/{iv.pk}/reschedule/", {"slot": "2020-01-01T00:00:00+00:00"})
    assert res.status_code == 400
    res = client.post(f"/portal/interviews/{iv.pk}/reschedule/", {"slot": slots[0][0]})
    assert res.status_code == 302, res.context["errors"]
    iv.refresh_from_db()
    assert iv.state == "rescheduled"
    new = Interview.objects.get(previous=iv)
    assert new.starts_at == datetime.datetime.fromisoformat(slots[0][0])


def test_r_offer_3_sign_in_portal(users, app):
    offer = sent_offer(users, app)
    client = signed_in(app.candidate)
    page = client.get(f"/portal/offers/{offer.pk}/")
    assert page.status_code == 200 and offer.document_sha256 in page.content.decode()
    assert client.get(f"/portal/offers/{offer.pk}/letter/docx/").content[:2] == b"PK"
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    res = client.post(f"/portal/offers/{offer.pk}/sign/", {"typed_name": app.candidate.name, "signature": data_url,
                                                           "accept_terms": "on"}, HTTP_USER_AGENT="phone")
    assert res.status_code == 302
    offer.refresh_from_db()
    app.refresh_from_db()
    assert offer.state == "accepted" and app.state == State.HIRED
    assert offer.signature.user_agent == "phone"
    assert client.get(f"/portal/offers/{offer.pk}/letter/signed/").status_code == 200


def test_r_offer_4_decline_in_portal_needs_reason(users, app):
    offer = sent_offer(users, app)
    client = signed_in(app.candidate)
    assert client.post(f"/portal/offers/{offer.pk}/decline/", {"reason": ""}).status_code == 400
    assert client.post(f"/portal/offers/{offer.pk}/decline/", {"reason": "family"}).status_code == 302
    offer.refresh_from_db()
    assert offer.state == "declined" and offer.decline_reason == "family"


def accept_offer(users, app):
    """The candidate signs the sent offer (services): onboarding data may be asked from now on."""
    from onboarding import services

    offer = sent_offer(users, app)
    services.offer_sign(candidate_id=app.candidate_id, offer_id=offer.pk, typed_name=app.candidate.name,
                        signature_png=PNG, accept_terms=True)
    offer.refresh_from_db()
    return offer


def test_r_portal_3_prefilled_and_only_missing_asked(users, app, monkeypatch):
    monkeypatch.setattr("onboarding.selectors.candidate_preferences", lambda a: {
        "expected_salary": Decimal("11000"), "earliest_start_date": datetime.date(2030, 1, 2), "available_times": []})
    OnboardingInfo.objects.create(candidate=app.candidate, address="北京市朝阳区")
    offer = accept_offer(users, app)
    client = signed_in(app.candidate)
    page = client.get("/portal/onboarding/")
    html = page.content.decode()
    assert app.candidate.name in html and app.candidate.phone in html and "11000" in html
    assert offer.start_date.isoformat() in html  # the accepted offer's start date, not the earliest one asked
    assert "北京市朝阳区" in html
    missing = {f["name"] for f in page.context["fields"] if f["missing"]}
    assert "address" not in missing and {"bank_account", "social_insurance_number"} <= missing
    res = client.post("/portal/onboarding/", {"bank_account": "6222 0000 1111 2222", "social_insurance_number": "SI1",
                                              "emergency_contact_phone": "13800009999"})
    assert res.status_code == 302
    info = OnboardingInfo.objects.get(candidate=app.candidate)
    assert info.bank_account == "6222000011112222" and info.address == "北京市朝阳区"
    assert client.post("/portal/onboarding/", {"bank_account": "12"}).status_code == 400


def test_r_portal_3_upload_checks_content_and_size(users, app, settings):
    accept_offer(users, app)
    client = signed_in(app.candidate)
    ok = SimpleUploadedFile("id.png", PNG, content_type="image/png")
    client.post("/portal/onboarding/upload/", {"kind": "id_card", "file": ok})
    doc = CandidateDocument.objects.get(candidate=app.candidate)
    assert doc.content_type == "image/png"
    with open(doc.file.storage.path(doc.file.name), "rb") as fh:
        assert PNG not in fh.read()  # encrypted on disk
    fake = SimpleUploadedFile("virus.png", b"MZ\x90\x00 not an image", content_type="image/png")
    client.post("/portal/onboarding/upload/", {"kind": "photo", "file": fake})
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024 + 1), content_type="application/pdf")
    client.post("/portal/onboarding/upload/", {"kind": "certificate", "file": big})
    assert CandidateDocument.objects.filter(candidate=app.candidate).count() == 1


def test_r_offer_2_approval_pages(users, org, client):
    from onboarding import services
    from tests.onboarding.factories import drafted

    app = interviewing_app(org.emergency)
    band(org.emergency) if not app.job.department.pay_bands.exists() else None
    offer = drafted(users, app)
    services.offer_submit(actor=users.hr, offer_id=offer.pk)
    step = offer.approvals.get()
    client.force_login(users.it_manager)
    assert client.get(f"/offers/approvals/{step.pk}/").status_code == 404
    assert client.post(f"/offers/approvals/{step.pk}/", {"decision": "approve"}).status_code == 404
    client.force_login(users.er_manager)
    assert step.offer.application.candidate.name in client.get("/offers/approvals/").content.decode()
    page = client.get(f"/offers/approvals/{step.pk}/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    assert client.post(f"/offers/approvals/{step.pk}/", {"decision": "approve", "comment": "ok"}).status_code == 302
    offer.refresh_from_db()
    assert offer.state == "approved"


def test_r_portal_2_candidate_withdraws_and_interviews_are_cancelled(app, users):
    """Someone who took another job says so instead of not showing up: the application is withdrawn with the
    reason, the booked interview is cancelled (reminders stop), HR gets a note."""
    from candidates.models import TransitionLog
    from notifications.models import Notification

    iv = _interview(app)
    client = signed_in(app.candidate)
    home = client.get("/portal/").content.decode()
    assert f"/portal/applications/{app.pk}/withdraw/" in home
    url = f"/portal/applications/{app.pk}/withdraw/"
    assert client.get(url).status_code == 200
    missing = client.post(url, {"reason": ""})
    assert missing.status_code == 400
    app.refresh_from_db()
    assert app.state == State.INTERVIEWING  # nothing changed
    response = client.post(url, {"reason": "other_offer", "detail": "离家更近"})
    assert response.status_code == 302
    app.refresh_from_db()
    iv.refresh_from_db()
    assert app.state == State.WITHDRAWN and iv.state == "cancelled"
    log = TransitionLog.objects.get(application=app, transition="withdraw")
    assert log.actor_label == f"candidate:{app.candidate_id}" and "离家更近" in log.reason
    assert Notification.objects.filter(idempotency_key__startswith=f"application:{app.pk}:withdrawn-by-candidate",
                                       channel="in_app").exists()
    assert client.get(url).status_code == 404  # closed now: nothing to withdraw


def test_r_portal_2_another_candidates_application_cannot_be_withdrawn(app, org):
    other = interviewing_app(org.emergency)
    client = signed_in(app.candidate)
    assert client.post(f"/portal/applications/{other.pk}/withdraw/", {"reason": "other"}).status_code == 404
    other.refresh_from_db()
    assert other.state == State.INTERVIEWING
