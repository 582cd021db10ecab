"""Passwordless portal access: links, one-time codes, sessions, isolation, CSRF (R-PORTAL-1, R-PORTAL-2)."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from candidates.models import State
from onboarding.links import portal_token
from portal import access
from portal.models import OneTimeCode
from tests.candidates.factories import ApplicationFactory, CandidateFactory
from tests.onboarding.factories import band, interviewing_app, sent_offer

pytestmark = pytest.mark.django_db


def signed_in(candidate, client=None):
    client = client or Client()
    res = client.get(f"/portal/l/{portal_token(candidate.pk)}/")
    assert res.status_code == 302
    return client


def test_r_portal_1_link_opens_session_once(db):
    cand = CandidateFactory()
    ApplicationFactory(candidate=cand)
    token = portal_token(cand.pk)
    client = Client()
    assert client.get(f"/portal/l/{token}/").status_code == 302
    assert cand.name in client.get("/portal/").content.decode()
    other_device = Client()
    res = other_device.get(f"/portal/l/{token}/")
    assert res.status_code == 403  # reused link on another device
    assert cand.name not in other_device.get("/portal/").content.decode()


def test_r_portal_1_expired_link_refused(db, time_machine):
    cand = CandidateFactory()
    token = portal_token(cand.pk)
    time_machine.move_to(timezone.now() + datetime.timedelta(days=8))
    client = Client()
    assert client.get(f"/portal/l/{token}/").status_code == 403
    assert client.get("/portal/onboarding/").status_code == 302  # to the login


def test_r_portal_1_forged_link_refused(db):
    cand = CandidateFactory()
    token = portal_token(cand.pk)
    assert Client().get(f"/portal/l/{token[:-2]}xx/").status_code == 403


def test_r_portal_1_session_expires_when_idle(db, time_machine):
    cand = CandidateFactory()
    client = signed_in(cand)
    assert client.get("/portal/onboarding/").status_code == 200
    time_machine.move_to(timezone.now() + datetime.timedelta(minutes=61))
    assert client.get("/portal/onboarding/").status_code == 302


def test_r_portal_1_otp_flow_and_code_stored_hashed(db):
    cand = CandidateFactory(phone="+8613800001111")
    code = access.code_request(identifier="13800001111", ip="10.1.1.1")
    otp = OneTimeCode.objects.get(candidate=cand)
    assert code not in otp.code_hash and len(otp.code_hash) == 64
    client = Client()
    res = client.post("/portal/login/", {"step": "verify", "identifier": "13800001111", "code": code})
    assert res.status_code == 302
    assert client.get("/portal/onboarding/").status_code == 200
    res = Client().post("/portal/login/", {"step": "verify", "identifier": "13800001111", "code": code})
    assert res.status_code == 400  # used once


def test_r_portal_1_otp_message_uses_its_own_template_and_the_real_validity(db, settings):
    """The sign-in code SMS has its own editable template (carriers in China require registered SMS texts)
    and states the validity actually configured."""
    from notifications.models import Notification

    settings.PORTAL_CODE_MINUTES = 5
    app = ApplicationFactory(candidate=CandidateFactory(phone="+8613800002222"))
    code = access.code_request(identifier="13800002222", ip="10.1.1.2")
    sms = Notification.objects.get(related_type="portal.onetimecode")
    assert sms.template_key == "portal_sign_in_code"
    assert code in sms.body and "5 分钟" in sms.body
    assert f"【{app.job.organization_name}】" in sms.body


def test_r_portal_1_staff_never_read_a_sign_in_code_in_the_outbox_R_SEC_3(db, settings, users, api_as):
    """HR sees the message masked in the admin and the API; once it went out, the stored row holds no code."""
    from notifications.models import Notification
    from notifications.services import notification_deliver

    settings.SMS_BACKEND = "console"
    app = ApplicationFactory(candidate=CandidateFactory(phone="+8613800003333"))
    code = access.code_request(identifier="13800003333", ip="10.1.1.3")
    sms = Notification.objects.get(related_type="portal.onetimecode")
    assert code not in sms.visible_body and "••••••" in sms.visible_body
    detail = api_as(users.director).get(f"/api/v1/notifications/{sms.pk}/").json()
    assert "••••••" in detail["body"] and code not in detail["body"]
    admin = Client()
    admin.force_login(users.director)
    page = admin.get(f"/admin/notifications/notification/{sms.pk}/change/").content.decode()
    assert "••••••" in page and code not in page
    assert notification_deliver(notification_id=sms.pk) == "sent"
    sms.refresh_from_db()
    assert code not in sms.body and code not in str(sms.context) and sms.status == "sent"
    assert app.candidate.name in sms.body or "验证码" in sms.body


def test_r_portal_1_otp_five_wrong_tries_burn_the_code(db):
    CandidateFactory(email="a@example.org")
    code = access.code_request(identifier="a@example.org", ip="10.1.1.2")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    client = Client()
    for _ in range(5):
        assert client.post("/portal/login/", {"step": "verify", "identifier": "a@example.org",
                                              "code": wrong}).status_code == 400
    res = client.post("/portal/login/", {"step": "verify", "identifier": "a@example.org", "code": code})
    assert res.status_code == 400  # even the right code no longer works
    assert client.get("/portal/onboarding/").status_code == 302


def test_r_portal_1_otp_expires_after_ten_minutes(db, time_machine):
    CandidateFactory(email="b@example.org")
    code = access.code_request(identifier="b@example.org")
    time_machine.move_to(timezone.now() + datetime.timedelta(minutes=11))
    res = Client().post("/portal/login/", {"step": "verify", "identifier": "b@example.org", "code": code})
    assert res.status_code == 400


def test_r_portal_1_otp_rate_limited_per_destination_and_ip(db):
    CandidateFactory(phone="+8613800002222")
    client = Client()
    for _ in range(3):
        assert client.post("/portal/login/", {"step": "request", "identifier": "13800002222"}).status_code == 200
    assert client.post("/portal/login/", {"step": "request", "identifier": "13800002222"}).status_code == 429
    assert OneTimeCode.objects.count() == 3
    for i in range(7):  # the same IP, other numbers: 10 per hour
        client.post("/portal/login/", {"step": "request", "identifier": f"1390000{i:04d}"})
    assert client.post("/portal/login/", {"step": "request", "identifier": "13900009999"}).status_code == 429


def test_r_portal_1_unknown_identifier_answers_like_a_known_one(db):
    res = Client().post("/portal/login/", {"step": "request", "identifier": "nobody@example.org"})
    assert res.status_code == 200 and "6-digit" in res.content.decode() or "6" in res.content.decode()
    assert not OneTimeCode.objects.exists()


def test_r_portal_2_cross_candidate_isolation(users, org):
    band(org.emergency)
    app_a = interviewing_app(org.emergency)
    app_b = interviewing_app(org.emergency)
    offer_b = sent_offer(users, app_b)
    from interviews.models import Interview

    now = timezone.now() + datetime.timedelta(days=3)
    iv_b = Interview.objects.create(application=app_b, starts_at=now, ends_at=now + datetime.timedelta(hours=1),
                                    state="scheduled")
    client = signed_in(app_a.candidate)
    for url in (f"/portal/offers/{offer_b.pk}/", f"/portal/offers/{offer_b.pk}/letter/docx/",
                f"/portal/interviews/{iv_b.pk}/", f"/portal/interviews/{iv_b.pk}/reschedule/"):
        assert client.get(url).status_code == 404, url
    for url in (f"/portal/offers/{offer_b.pk}/sign/", f"/portal/offers/{offer_b.pk}/decline/"):
        assert client.post(url, {"reason": "x"}).status_code == 404, url
    res = client.post(f"/portal/interviews/{iv_b.pk}/", {"action": "confirm"})
    assert res.status_code == 404
    iv_b.refresh_from_db()
    offer_b.refresh_from_db()
    assert iv_b.state == "scheduled" and offer_b.state == "sent"
    home = client.get("/portal/").content.decode()
    assert app_b.candidate.name not in home and app_b.job.title not in home


def test_r_portal_2_csrf_required_on_every_form(users, org):
    band(org.emergency)
    app = interviewing_app(org.emergency)
    offer = sent_offer(users, app)
    client = Client(enforce_csrf_checks=True)
    signed_in(app.candidate, client)
    for url, data in ((f"/portal/offers/{offer.pk}/decline/", {"reason": "no"}),
                      ("/portal/onboarding/", {"address": "x"}), ("/portal/privacy/", {"agree": "on"}),
                      ("/portal/logout/", {}), ("/portal/login/", {"identifier": "x@example.org"})):
        assert client.post(url, data).status_code == 403, url
    offer.refresh_from_db()
    assert offer.state == "sent"
    page = client.get(f"/portal/offers/{offer.pk}/").content.decode()
    assert page.count("csrfmiddlewaretoken") >= 3 and re.search(r'name="csrfmiddlewaretoken"', page)


def test_r_portal_2_page_follows_candidate_language(db):
    cand = CandidateFactory(preferred_language="en")
    ApplicationFactory(candidate=cand, state=State.SCREENING)
    page = signed_in(cand).get("/portal/").content.decode()
    assert 'lang="en"' in page
    cand_zh = CandidateFactory(preferred_language="zh-hans")
    assert 'lang="zh-hans"' in signed_in(cand_zh).get("/portal/").content.decode()


@pytest.mark.parametrize(("language", "expected", "absent"), [("zh-hans", "入职", "Onboarding"),
                                                              ("en", "Onboarding", "入职")])
def test_r_portal_4_pages_follow_the_candidates_language(db, language, expected, absent):
    cand = CandidateFactory(preferred_language=language)
    client = signed_in(cand)
    html = client.get("/portal/onboarding/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert f'lang="{language}"' in html
    assert f"<h1>{expected}</h1>" in html and f"<h1>{absent}</h1>" not in html
