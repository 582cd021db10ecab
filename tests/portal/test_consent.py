"""The portal's privacy page (R-SEC-5, R-PORTAL-2): the organisation's notice, consent per purpose, withdrawal, and
asking again when the notice changes; HR publishes notices and records written consent in the admin."""

import pytest
from django.test import Client

from candidates import consent
from candidates.models import ConsentRecord, PrivacyNotice, State
from hrsys.audit.models import AccessLog
from tests.candidates.factories import ApplicationFactory, JobFactory, app_in_state
from tests.portal.test_access import signed_in

pytestmark = pytest.mark.django_db

ZH = "第二版隐私声明：我们仅为处理您的求职申请而处理您的个人信息，敏感信息加密保存，访问均有记录。"
EN = "Privacy notice, second version: we process your personal information only to run your application."


def test_r_sec_5_the_portal_asks_for_consent_and_records_each_purpose(org):
    app = ApplicationFactory(job=JobFactory(department=org.emergency), consented=False)
    client = signed_in(app.candidate)
    assert 'class="notice"' in client.get("/portal/").content.decode()  # the banner asks
    page = client.get("/portal/privacy/").content.decode()
    assert org.hospital.name in page and "个人信息" in page  # the hospital's notice, in the candidate's language
    for purpose in ("recruitment", "talent_pool", "ai_recording"):
        assert f'name="purpose" value="{purpose}"' in page
    response = client.post("/portal/privacy/", {"organization": org.hospital.pk, "notice_version": 1,
                                                "purpose": ["recruitment", "ai_recording"], "action": "agree"},
                           REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Phone")
    assert response.status_code == 302
    records = ConsentRecord.objects.filter(candidate=app.candidate).order_by("purpose")
    assert [(r.purpose, r.given, r.channel, r.notice_version, r.user_agent) for r in records] == [
        ("ai_recording", True, "portal", 1, "Phone"), ("recruitment", True, "portal", 1, "Phone")]
    assert 'class="notice"' not in client.get("/portal/").content.decode()
    page = client.get("/portal/privacy/").content.decode()
    assert 'name="purpose" value="talent_pool"' in page  # still open to agree to
    assert 'name="purpose" value="recruitment"' in page  # the withdraw form of the given one
    assert 'value="withdraw"' in page


def test_r_sec_5_the_candidate_withdraws_from_the_portal(org):
    app = app_in_state(State.TALENT_POOL, job=JobFactory(department=org.emergency))
    client = signed_in(app.candidate)
    response = client.post("/portal/privacy/", {"organization": org.hospital.pk, "purpose": "talent_pool",
                                                "action": "withdraw"})
    assert response.status_code == 302
    latest = ConsentRecord.objects.filter(candidate=app.candidate, purpose="talent_pool").order_by("-at", "-id")[0]
    assert not latest.given and latest.channel == "portal"
    app.refresh_from_db()
    assert app.state == State.WITHDRAWN
    page = client.get("/portal/privacy/").content.decode()
    assert "撤回于" in page or "Withdrawn on" in page
    # withdrawing twice: a message, no second record
    client.post("/portal/privacy/", {"organization": org.hospital.pk, "purpose": "talent_pool", "action": "withdraw"})
    assert ConsentRecord.objects.filter(candidate=app.candidate, purpose="talent_pool", given=False).count() == 1


def test_r_sec_5_a_new_notice_is_asked_again_in_the_portal(users, org):
    app = ApplicationFactory(job=JobFactory(department=org.emergency))
    client = signed_in(app.candidate)
    assert 'class="notice"' not in client.get("/portal/").content.decode()
    consent.privacy_notice_publish(actor=users.hr, organization_id=org.hospital.pk, text_zh_hans=ZH, text_en=EN)
    assert 'class="notice"' in client.get("/portal/").content.decode()
    page = client.get("/portal/privacy/").content.decode()
    assert "第二版隐私声明" in page and 'name="notice_version" value="2"' in page
    stale = client.post("/portal/privacy/", {"organization": org.hospital.pk, "notice_version": 1,
                                             "purpose": "recruitment", "action": "agree"}, follow=True)
    assert "当前版本 2" in stale.content.decode()  # the message says which version to read
    assert not ConsentRecord.objects.filter(candidate=app.candidate, notice_version=2).exists()
    client.post("/portal/privacy/", {"organization": org.hospital.pk, "notice_version": 2, "purpose": "recruitment",
                                     "action": "agree"})
    assert ConsentRecord.objects.filter(candidate=app.candidate, notice_version=2, purpose="recruitment").exists()
    assert 'class="notice"' not in client.get("/portal/").content.decode()


def test_r_sec_5_an_organisation_the_candidate_has_not_applied_to_is_404(org):
    app = ApplicationFactory(job=JobFactory(department=org.emergency), consented=False)
    client = signed_in(app.candidate)
    response = client.post("/portal/privacy/", {"organization": org.company.pk, "notice_version": 1,
                                                "purpose": "recruitment", "action": "agree"})
    assert response.status_code == 404
    assert not ConsentRecord.objects.exists()


def _staff(user):
    client = Client()
    client.force_login(user)
    return client


def test_r_sec_5_hr_publishes_a_new_notice_in_the_admin(users, org):
    client = _staff(users.hr)
    form = client.get(f"/admin/candidates/privacynotice/add/?organization={org.hospital.pk}")
    assert form.status_code == 200 and "个人信息" in form.content.decode()  # prefilled with the notice shown now
    response = client.post("/admin/candidates/privacynotice/add/", {
        "organization": org.hospital.pk, "text_zh_hans": ZH, "text_en": EN})
    assert response.status_code == 302
    notice = PrivacyNotice.objects.get()
    assert (notice.organization, notice.version, notice.published_by) == (org.hospital, 2, users.hr)
    assert client.get(f"/admin/candidates/privacynotice/{notice.pk}/change/").status_code == 200  # read only
    assert client.post(f"/admin/candidates/privacynotice/{notice.pk}/change/",
                       {"organization": org.hospital.pk, "text_zh_hans": ZH + "改", "text_en": EN}).status_code == 403
    refused = client.post("/admin/candidates/privacynotice/add/", {
        "organization": org.company.pk, "text_zh_hans": ZH, "text_en": EN})  # not their organisation
    assert refused.status_code == 200 and PrivacyNotice.objects.count() == 1
    assert _staff(users.er_manager).get("/admin/candidates/privacynotice/add/").status_code == 403


def test_r_sec_5_hr_records_written_consent_and_sees_it_logged(users, org):
    app = ApplicationFactory(job=JobFactory(department=org.emergency), state="screening", consented=False)
    client = _staff(users.hr)
    response = client.post("/admin/candidates/consentrecord/add/", {
        "candidate": app.candidate_id, "organization": org.hospital.pk, "purpose": "ai_recording", "given": "on"})
    assert response.status_code == 302
    record = ConsentRecord.objects.get(candidate=app.candidate)
    assert (record.purpose, record.given, record.channel, record.recorded_by) == ("ai_recording", True, "staff",
                                                                                 users.hr)
    assert client.get(f"/admin/candidates/consentrecord/{record.pk}/change/").status_code == 200
    assert AccessLog.objects.filter(actor=users.hr, object_type="candidates.consentrecord",
                                    object_id=str(record.pk)).exists()
    other = ApplicationFactory(job=JobFactory(department=org.company))
    hidden = ConsentRecord.objects.filter(candidate=other.candidate).first()
    assert client.get(f"/admin/candidates/consentrecord/{hidden.pk}/change/").status_code == 404
    page = client.get(f"/workspace/applications/{app.pk}/").content.decode()
    assert 'id="application-consents"' in page
