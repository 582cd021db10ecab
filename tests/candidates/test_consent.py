"""Privacy notices per organisation and consent per purpose (R-SEC-5, issue 19 item 1): versions published by HR,
consent given and withdrawn as records, the portal asking again after a change, the AI interview needing consent
to its recording, the talent pool needing its own consent and leaving it when that is withdrawn."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from candidates import consent
from candidates.models import Application, ConsentRecord, PrivacyNotice, State, TransitionLog
from candidates.services import application_transition
from hrsys.api.errors import Conflict
from hrsys.audit.models import AuditEvent
from interviews.ai import services as ai_services
from interviews.ai.models import AIInvitation
from tests.ai_interviews.factories import VendorFactory
from tests.candidates.factories import ApplicationFactory, JobFactory, app_in_state

pytestmark = pytest.mark.django_db

ZH = "我们仅为处理您的求职申请而处理您的个人信息（联系方式、简历、面试结果），敏感信息加密保存，访问均有记录。第二版。"
EN = "We process your personal information only to run your application. Sensitive data is encrypted. Version two."


@pytest.fixture
def er_job(org):
    return JobFactory(department=org.emergency, title="急诊护士")


def given(app, purpose):
    return consent.consent_given(candidate_id=app.candidate_id, organization_id=app.job.department.organization_pk,
                                 purpose=purpose)


def test_r_sec_5_the_standard_notice_is_version_1_until_hr_publishes_one(users, org):
    notice = consent.notice_current(org.hospital.pk)
    assert notice.version == 1 and notice.published_at is None
    assert "个人信息" in notice.text("zh-hans") and "personal information" in notice.text("en")

    published = consent.privacy_notice_publish(actor=users.hr, organization_id=org.hospital.pk, text_zh_hans=ZH,
                                               text_en=EN)
    assert published.version == 2 and published.published_by == users.hr
    assert consent.notice_current(org.hospital.pk).text("en") == EN
    assert consent.notice_current(org.company.pk).version == 1  # each organisation its own
    assert AuditEvent.objects.filter(action="privacy_notice.publish", object_id=str(published.pk)).exists()


def test_r_sec_5_publishing_refuses_bad_input_and_other_organisations(users, org):
    with pytest.raises(ValidationError) as exc:
        consent.privacy_notice_publish(actor=users.hr, organization_id=org.hospital.pk, text_zh_hans="太短",
                                       text_en=EN)
    assert set(exc.value.message_dict) == {"text_zh_hans"}
    standard = consent.notice_current(org.hospital.pk)
    with pytest.raises(ValidationError) as exc:  # nothing changed
        consent.privacy_notice_publish(actor=users.hr, organization_id=org.hospital.pk,
                                       text_zh_hans=standard.text_zh_hans, text_en=standard.text_en)
    assert "Nothing changed" in str(exc.value) or "没有" in str(exc.value)
    with pytest.raises(ValidationError) as exc:  # HR of the hospital cannot publish the company's notice
        consent.privacy_notice_publish(actor=users.hr, organization_id=org.company.pk, text_zh_hans=ZH, text_en=EN)
    assert set(exc.value.message_dict) == {"organization"}
    with pytest.raises(PermissionDenied):  # a manager publishes nothing
        consent.privacy_notice_publish(actor=users.er_manager, organization_id=org.hospital.pk, text_zh_hans=ZH,
                                       text_en=EN)
    assert not PrivacyNotice.objects.exists()


def test_r_sec_5_consent_per_purpose_with_version_time_and_channel(users, er_job, org):
    app = ApplicationFactory(job=er_job, consented=False)
    records = consent.consent_give(candidate_id=app.candidate_id, organization_id=org.hospital.pk,
                                   purposes=["recruitment", "ai_recording"], channel="portal", notice_version=1,
                                   ip="203.0.113.5", user_agent="Mobile Safari")
    assert sorted((r.purpose, r.given, r.notice_version, r.channel, r.ip) for r in records) == [
        ("ai_recording", True, 1, "portal", "203.0.113.5"), ("recruitment", True, 1, "portal", "203.0.113.5")]
    assert given(app, "ai_recording") and given(app, "recruitment") and not given(app, "talent_pool")
    summary = consent.consent_summary(app.candidate)
    assert [s["organization"] for s in summary] == [org.hospital] and not summary[0]["asks_again"]


def test_r_sec_5_bad_input_changes_nothing(er_job, org):
    app = ApplicationFactory(job=er_job, consented=False)
    where = {"candidate_id": app.candidate_id, "organization_id": org.hospital.pk, "channel": "portal"}
    with pytest.raises(ValidationError) as exc:
        consent.consent_give(purposes=["marketing"], **where)
    assert set(exc.value.message_dict) == {"purposes"}
    with pytest.raises(ValidationError) as exc:
        consent.consent_give(purposes=["recruitment"], notice_version=7, **where)  # a version never shown
    assert set(exc.value.message_dict) == {"notice_version"}
    with pytest.raises(ValidationError):
        consent.consent_give(purposes=["recruitment"], **{**where, "organization_id": org.emergency.pk})
    with pytest.raises(Conflict):  # nothing to withdraw
        consent.consent_withdraw(purpose="talent_pool", **where)
    assert not ConsentRecord.objects.exists()


def test_r_sec_5_a_new_notice_asks_again_and_old_consent_still_stands(users, er_job, org):
    app = ApplicationFactory(job=er_job)  # agreed to everything under version 1
    assert not consent.consent_summary(app.candidate)[0]["asks_again"]
    consent.privacy_notice_publish(actor=users.hr, organization_id=org.hospital.pk, text_zh_hans=ZH, text_en=EN)
    summary = consent.consent_summary(app.candidate)[0]
    assert summary["asks_again"] and summary["notice"].version == 2
    assert all(p["given"] and not p["current"] for p in summary["purposes"])
    assert given(app, "ai_recording")  # consent given under version 1 is not void
    with pytest.raises(ValidationError):  # a page still showing version 1 is refused
        consent.consent_give(candidate_id=app.candidate_id, organization_id=org.hospital.pk,
                             purposes=["recruitment"], channel="portal", notice_version=1)
    consent.consent_give(candidate_id=app.candidate_id, organization_id=org.hospital.pk, purposes=["recruitment"],
                         channel="portal", notice_version=2)
    assert not consent.consent_summary(app.candidate)[0]["asks_again"]


def test_r_sec_5_an_ai_interview_invitation_needs_consent_to_the_recording(users, er_job, org):
    VendorFactory(slug="acme")
    app = ApplicationFactory(job=er_job, state="screening", consented=["recruitment"])
    deadline = timezone.now() + datetime.timedelta(days=2)
    with pytest.raises(Conflict) as exc:
        ai_services.ai_interview_invite(actor=users.hr, application_id=app.pk, vendor_slug="acme", deadline=deadline)
    assert "recording" in str(exc.value.detail) or "录像" in str(exc.value.detail)
    assert not AIInvitation.objects.exists() and Application.objects.get(pk=app.pk).state == "screening"
    consent.consent_give(candidate_id=app.candidate_id, organization_id=org.hospital.pk, purposes=["ai_recording"],
                         channel="staff", actor=users.hr)
    ai_services.ai_interview_invite(actor=users.hr, application_id=app.pk, vendor_slug="acme", deadline=deadline)
    assert Application.objects.get(pk=app.pk).state == "ai_invited"


def test_r_sec_5_an_ai_interview_with_a_link_hr_typed_needs_the_same_consent(users, er_job):
    """R-SEC-5: an AI interview booked without a vendor invitation (a shared link HR typed) is recorded too."""
    from interviews.models import Interview
    from interviews.services import interview_schedule

    app = ApplicationFactory(job=er_job, state="screening", consented=["recruitment"])
    with pytest.raises(Conflict):
        interview_schedule(actor=users.hr, application_id=app.pk, kind="ai",
                           starts_at=timezone.now() + datetime.timedelta(days=1),
                           meeting_url="https://ai.example.org/s/shared")
    assert not Interview.objects.exists() and Application.objects.get(pk=app.pk).state == "screening"


def test_r_sec_5_the_invitation_api_answers_409_without_recording_consent(users, er_job, api_as):
    VendorFactory(slug="acme")
    app = ApplicationFactory(job=er_job, state="screening", consented=["recruitment"])
    response = api_as(users.hr).post("/api/v1/ai-interviews/invitations/", {
        "application": app.pk, "vendor": "acme",
        "deadline": (timezone.now() + datetime.timedelta(days=2)).isoformat()}, format="json")
    assert response.status_code == 409, response.content
    assert not AIInvitation.objects.exists()


def test_r_sec_5_the_talent_pool_needs_its_own_consent(users, er_job):
    app = app_in_state("rejected", job=er_job, consented=["recruitment"])
    with pytest.raises(Conflict) as exc:
        application_transition(actor=users.hr, application_id=app.pk, transition="to_talent_pool", reason="备用")
    assert "talent pool" in str(exc.value.detail) or "人才库" in str(exc.value.detail)
    assert Application.objects.get(pk=app.pk).state == "rejected" and not TransitionLog.objects.exists()


def test_r_sec_5_withdrawing_talent_pool_consent_takes_the_candidate_out_of_the_pool(users, er_job, org):
    pooled = app_in_state(State.TALENT_POOL, job=er_job)
    other_org = app_in_state(State.TALENT_POOL, job=JobFactory(department=org.company), candidate=pooled.candidate)
    record = consent.consent_withdraw(candidate_id=pooled.candidate_id, organization_id=org.hospital.pk,
                                      purpose="talent_pool", channel="portal")
    assert (record.given, record.purpose) == (False, "talent_pool")
    assert Application.objects.get(pk=pooled.pk).state == State.WITHDRAWN
    log = TransitionLog.objects.get(application=pooled)
    assert log.transition == "leave_talent_pool" and log.actor is None and log.actor_label.startswith("portal:candidate:")
    assert Application.objects.get(pk=other_org.pk).state == State.TALENT_POOL  # the company's consent stands
    assert not given(pooled, "talent_pool") and given(other_org, "talent_pool")
    assert AuditEvent.objects.filter(action="consent.withdraw", object_id=str(pooled.candidate_id)).exists()
    with pytest.raises(Conflict):  # and HR cannot put them back
        application_transition(actor=users.hr, application_id=app_in_state("rejected", job=er_job,
                                                                           candidate=pooled.candidate,
                                                                           consented=False).pk,
                               transition="to_talent_pool", reason="再放回")


def test_r_sec_5_consent_records_are_scoped_to_the_organisation(users, org, er_job):
    ApplicationFactory(job=er_job)
    ApplicationFactory(job=JobFactory(department=org.company))
    assert {r.organization_id for r in ConsentRecord.objects.for_user(users.hr)} == {org.hospital.pk}
    assert not ConsentRecord.objects.for_user(users.interviewer).exists()
