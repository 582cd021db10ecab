"""Data subject requests: a copy of a candidate's data, its deletion, refusals and scope (R-SEC-6, PIPL)."""

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import Http404
from django.test import Client
from django.utils import timezone

from candidates.models import Candidate, LegalHold, Resume, State, TransitionLog
from hrsys.api.errors import Conflict
from hrsys.audit.models import AuditEvent
from hrsys.core.periodic import run_due_jobs
from interviews.ai.models import AIInterviewResult, AIMedia
from interviews.models import Interview, InterviewFeedback
from notifications.models import Notification
from onboarding.models import CandidateDocument, Offer, OnboardingInfo
from portal.data_requests import (
    subject_request_copy_prepare,
    subject_request_create,
    subject_request_delete_carry_out,
    subject_request_refuse,
)
from portal.models import SubjectRequest
from tests.ai_interviews.factories import VendorFactory
from tests.candidates.factories import ApplicationFactory, CredentialFactory, JobFactory
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC)


def _message(candidate, department, *, status, body):
    return Notification.objects.create(
        idempotency_key=f"k-{candidate.pk}-{Notification.objects.count()}", recipient_type="candidates.candidate",
        recipient_id=str(candidate.pk), recipient_name=candidate.name, recipient_phone=candidate.phone,
        channel="sms", template_key="interview_invitation", subject="", body=body,
        due_at=timezone.now(), next_attempt_at=timezone.now() + dt.timedelta(days=1), department=department,
        status=status)


def _file(field, name, data: bytes):
    field.save(name, ContentFile(data), save=False)
    return field.name


class Rich:
    """A candidate with every kind of data: résumé, credential scan, AI result with a recording, an interview
    with feedback, messages (one sent, one pending), a declined offer with its letter, onboarding details and
    documents; one closed application and one still open."""

    def __init__(self, department, interviewer):
        now = timezone.now()
        self.app = ApplicationFactory(job=JobFactory(department=department), state=State.REJECTED,
                                      match_score=77)
        self.candidate = self.app.candidate
        self.open_app = ApplicationFactory(candidate=self.candidate, job=JobFactory(department=department),
                                           state=State.SCREENING)
        from candidates.consent import consent_give  # noqa: PLC0415 - the portal records where consent came from

        consent_give(candidate_id=self.candidate.pk, organization_id=department.organization_pk, purposes=["recruitment"],
                     channel="portal", ip="203.0.113.9", user_agent="Mobile Safari")
        self.resume = Resume(candidate=self.candidate, kind="pdf", original_name="cv.pdf", text="简历正文 护理八年")
        self.paths = {"resume": _file(self.resume.file, "cv.pdf", b"%PDF-1.4 my cv")}
        self.resume.save()
        self.credential = CredentialFactory(candidate=self.candidate)
        self.paths["credential"] = _file(self.credential.file, "licence.png", b"PNG licence scan")
        self.credential.save()
        self.result = AIInterviewResult.objects.create(
            application=self.app, vendor=VendorFactory(), vendor_result_id="R-1", overall_score=81.5,
            dimension_scores={"logic": {"score": 80.0}}, transcript="我叫测试，我做护士八年。", decision="pass",
            preferences={"salary": "9000"}, report_url="https://ai.example.org/report/1")
        self.media = AIMedia(result=self.result, kind="video", status="stored", content_type="video/mp4")
        self.paths["recording"] = _file(self.media.file, "rec.mp4", b"\x00\x00video bytes")
        self.media.save()
        self.interview = Interview.objects.create(application=self.app, starts_at=now - dt.timedelta(days=3),
                                                  ends_at=now - dt.timedelta(days=3, hours=-1), state="completed")
        self.feedback = InterviewFeedback.objects.create(interview=self.interview, interviewer=interviewer,
                                                         scores={"communication": 4}, recommendation="yes",
                                                         notes="沟通清楚，经验丰富")
        self.sent = _message(self.candidate, department, status="sent", body="您好，面试邀请")
        self.pending = _message(self.candidate, department, status="pending", body="明天提醒")
        self.offer = Offer.objects.create(application=self.app, monthly_salary=Decimal("9000"),
                                          start_date=now.date(), valid_until=now.date(), state="declined",
                                          sent_at=now, decline_reason="薪资不合适")
        self.paths["letter"] = _file(self.offer.letter_docx, "offer.docx", b"PK docx offer letter")
        self.offer.save()
        OnboardingInfo.objects.create(candidate=self.candidate, address="北京市朝阳区某路1号", bank_account="6222000011112222")
        self.document = CandidateDocument(candidate=self.candidate, kind="id_card", content_type="image/png", size=9,
                                          sha256="0" * 64, original_name="id.png")
        self.paths["document"] = _file(self.document.file, "id.png", b"PNG idcard")
        self.document.save()
        self.storages = {"resume": self.resume.file.storage, "credential": self.credential.file.storage,
                         "recording": self.media.file.storage, "letter": self.offer.letter_docx.storage,
                         "document": self.document.file.storage}

    def exists(self, key):
        return self.storages[key].exists(self.paths[key])


@pytest.fixture
def rich(org, users):
    return Rich(org.emergency, users.interviewer)


@pytest.fixture
def hr_company(org):
    return UserFactory(username="hr_company", role="hr_staff", departments=[org.company])


def _zip(request):
    with request.copy_file.open("rb") as fh:
        return zipfile.ZipFile(io.BytesIO(fh.read()))


# -- asking ---------------------------------------------------------------------------------------------------

def test_r_sec_6_a_request_is_due_in_15_days_and_asking_again_answers_the_open_one(rich):
    with time_machine.travel(NOW, tick=False):
        first = subject_request_create(candidate_id=rich.candidate.pk, kind="copy", channel="portal")
        again = subject_request_create(candidate_id=rich.candidate.pk, kind="copy", channel="portal")
    assert first.created and not again.created and again.pk == first.pk
    assert first.due_at == NOW + dt.timedelta(days=15)
    other = subject_request_create(candidate_id=rich.candidate.pk, kind="deletion", channel="portal")
    assert other.pk != first.pk
    assert SubjectRequest.objects.count() == 2
    event = AuditEvent.objects.get(action="subject_request.create", object_id=str(first.pk))
    assert rich.candidate.name not in json.dumps(event.changes, ensure_ascii=False)


def test_r_sec_6_bad_input_is_a_clear_error_and_saves_nothing(rich, settings):
    with pytest.raises(ValidationError) as err:
        subject_request_create(candidate_id=rich.candidate.pk, kind="everything", channel="portal")
    assert "kind" in err.value.message_dict
    with pytest.raises(ValidationError):
        subject_request_create(candidate_id=rich.candidate.pk, kind="copy", channel="pigeon")
    settings.PRIVACY_REQUEST_DUE_DAYS = 30
    row = subject_request_create(candidate_id=rich.candidate.pk, kind="copy", channel="email")
    assert (row.due_at - row.requested_at).days == 30
    assert SubjectRequest.objects.count() == 1


# -- the copy -------------------------------------------------------------------------------------------------

def test_r_sec_6_the_copy_holds_every_kind_of_data_and_the_files_decrypted(rich, users):
    row = subject_request_create(candidate_id=rich.candidate.pk, kind="copy", channel="portal")
    done = subject_request_copy_prepare(actor=users.hr, request_id=row.pk)
    assert done.state == "done" and done.handled_by == users.hr and done.copy_expires_at > timezone.now()
    # encrypted at rest: the stored bytes are not a ZIP
    with open(done.copy_file.path, "rb") as fh:
        assert not fh.read().startswith(b"PK")
    archive = _zip(done)
    data = json.loads(archive.read("data.json"))
    assert data["candidate"]["name"] == rich.candidate.name
    assert data["candidate"]["phone"] == rich.candidate.phone
    assert data["candidate"]["id_number"] == rich.candidate.id_number
    assert data["resumes"][0]["text"] == "简历正文 护理八年"
    assert archive.read(data["resumes"][0]["file"]) == b"%PDF-1.4 my cv"
    assert archive.read(data["credentials"][0]["file"]) == b"PNG licence scan"
    closed = next(a for a in data["applications"] if a["state"] == "rejected")
    assert closed["match_score"] == 77
    ai = closed["ai_interviews"][0]
    assert ai["transcript"] == "我叫测试，我做护士八年。" and ai["overall_score"] == 81.5
    assert archive.read(ai["media"][0]["file"]) == b"\x00\x00video bytes"
    assert closed["interviews"][0]["feedback"][0]["notes"] == "沟通清楚，经验丰富"
    assert closed["interviews"][0]["feedback"][0]["scores"] == {"communication": 4}
    offer = closed["offers"][0]
    assert offer["monthly_salary"] == "9000.00" and offer["decline_reason"] == "薪资不合适"
    assert archive.read(offer["letter_docx"]) == b"PK docx offer letter"
    assert {m["body"] for m in data["messages"]} == {"您好，面试邀请", "明天提醒"}
    assert data["onboarding"]["details"]["address"] == "北京市朝阳区某路1号"
    assert archive.read(data["onboarding"]["documents"][0]["file"]) == b"PNG idcard"
    assert any(a["state"] == "screening" for a in data["applications"])
    event = AuditEvent.objects.get(action="subject_request.copy")
    assert event.changes["files"] == [None, 5]
    assert rich.candidate.name not in json.dumps(event.changes, ensure_ascii=False)


def test_r_sec_6_a_copy_expires_and_its_file_is_deleted(rich, users):
    row = subject_request_create(candidate_id=rich.candidate.pk, kind="copy", channel="portal")
    done = subject_request_copy_prepare(actor=users.hr, request_id=row.pk)
    name, storage = done.copy_file.name, done.copy_file.storage
    assert storage.exists(name)
    run_due_jobs(now=timezone.now() + dt.timedelta(days=8), only=["portal.subject_copies_expire"])
    done.refresh_from_db()
    assert not done.copy_file and not storage.exists(name) and not done.copy_available


def test_r_sec_6_a_handled_request_is_not_handled_twice(rich, users):
    row = subject_request_create(candidate_id=rich.candidate.pk, kind="copy", channel="portal")
    subject_request_copy_prepare(actor=users.hr, request_id=row.pk)
    with pytest.raises(Conflict):
        subject_request_copy_prepare(actor=users.hr, request_id=row.pk)
    with pytest.raises(Conflict):
        subject_request_refuse(actor=users.hr, request_id=row.pk, reason="no")


# -- the deletion ---------------------------------------------------------------------------------------------

def test_r_sec_6_deletion_removes_every_personal_field_and_file_and_keeps_statistics(rich, users):
    copy = subject_request_copy_prepare(
        actor=users.hr, request_id=subject_request_create(candidate_id=rich.candidate.pk, kind="copy").pk)
    copy_name, copy_storage = copy.copy_file.name, copy.copy_file.storage
    audit_before = AuditEvent.objects.count()
    row = subject_request_create(candidate_id=rich.candidate.pk, kind="deletion", channel="portal")
    subject_request_delete_carry_out(actor=users.hr, request_id=row.pk)

    row.refresh_from_db()
    assert row.state == "done" and row.handled_by == users.hr
    cand = Candidate.objects.get(pk=rich.candidate.pk)
    assert cand.anonymised_at and cand.name == "—" and cand.phone == cand.email == cand.id_number == ""
    # every file is gone from storage
    for key in ("resume", "credential", "recording", "letter", "document"):
        assert not rich.exists(key), key
    assert not copy_storage.exists(copy_name)
    assert not Resume.objects.filter(candidate=cand).exists() and not cand.credentials.exists()
    assert not CandidateDocument.objects.filter(candidate=cand).exists()
    assert not OnboardingInfo.objects.filter(candidate=cand).exists()
    # what they agreed to stays, from which address and browser does not (R-SEC-5)
    assert cand.consents.exists() and not cand.consents.exclude(ip=None, user_agent="").exists()
    result = AIInterviewResult.objects.get(pk=rich.result.pk)
    assert result.transcript == "" and result.preferences == {} and result.report_url == ""
    assert result.overall_score == 81.5 and result.dimension_scores == {"logic": {"score": 80.0}}
    media = AIMedia.objects.get(pk=rich.media.pk)
    assert media.status == "purged" and not media.file
    feedback = InterviewFeedback.objects.get(pk=rich.feedback.pk)
    assert feedback.notes == "" and feedback.scores == {"communication": 4} and feedback.recommendation == "yes"
    offer = Offer.objects.get(pk=rich.offer.pk)
    assert not offer.letter_docx and offer.decline_reason == "" and offer.monthly_salary == Decimal("9000")
    sent, pending = (Notification.objects.get(pk=n.pk) for n in (rich.sent, rich.pending))
    assert sent.body == "" and sent.recipient_phone == "" and sent.recipient_name == ""
    assert pending.status == "cancelled" and pending.body == ""
    # statistics stay: applications with their stages, the open one withdrawn with the reason
    apps = {a.pk: a for a in cand.applications.all()}
    assert apps[rich.app.pk].state == "rejected" and apps[rich.app.pk].match_score == 77
    assert apps[rich.open_app.pk].state == "withdrawn"
    log = TransitionLog.objects.get(application=rich.open_app, transition="withdraw")
    assert log.reason == "Deletion requested by the candidate" or log.reason == "候选人要求删除其数据"
    # the audit trail stays, and grows by what was done
    assert AuditEvent.objects.count() > audit_before
    assert AuditEvent.objects.filter(action="subject_request.delete", object_id=str(row.pk)).exists()
    copy.refresh_from_db()
    assert not copy.copy_file


def test_r_sec_6_deletion_under_a_legal_hold_is_409_and_changes_nothing(rich, users):
    LegalHold.objects.create(candidate=rich.candidate, reason="labour arbitration")
    row = subject_request_create(candidate_id=rich.candidate.pk, kind="deletion", channel="portal")
    with pytest.raises(Conflict, match="legal hold"):
        subject_request_delete_carry_out(actor=users.hr, request_id=row.pk)
    row.refresh_from_db()
    rich.candidate.refresh_from_db()
    rich.open_app.refresh_from_db()
    assert row.state == "open" and rich.candidate.anonymised_at is None and rich.candidate.phone
    assert rich.open_app.state == "screening"
    assert all(rich.exists(key) for key in rich.paths)
    assert Notification.objects.get(pk=rich.pending.pk).status == "pending"
    # HR refuses with the reason instead; the candidate reads it
    subject_request_refuse(actor=users.hr, request_id=row.pk, reason="Legal hold until the arbitration ends")
    row.refresh_from_db()
    assert row.state == "refused" and row.refusal_reason.startswith("Legal hold")


def test_r_sec_6_deletion_of_a_hired_candidate_is_409_and_changes_nothing(rich, users):
    Application = type(rich.app)
    Application.objects.filter(pk=rich.app.pk).update(state=State.HIRED)
    row = subject_request_create(candidate_id=rich.candidate.pk, kind="deletion", channel="portal")
    with pytest.raises(Conflict, match="hired"):
        subject_request_delete_carry_out(actor=users.hr, request_id=row.pk)
    rich.open_app.refresh_from_db()
    assert rich.open_app.state == "screening" and all(rich.exists(key) for key in rich.paths)
    assert SubjectRequest.objects.get(pk=row.pk).state == "open"


def test_r_sec_6_a_refusal_needs_a_reason(rich, users):
    row = subject_request_create(candidate_id=rich.candidate.pk, kind="deletion", channel="portal")
    with pytest.raises(ValidationError) as err:
        subject_request_refuse(actor=users.hr, request_id=row.pk, reason="  ")
    assert "reason" in err.value.message_dict
    assert SubjectRequest.objects.get(pk=row.pk).state == "open"


# -- scope ----------------------------------------------------------------------------------------------------

def test_r_sec_6_hr_of_another_organisation_can_neither_see_nor_act(rich, users, hr_company):
    row = subject_request_create(candidate_id=rich.candidate.pk, kind="deletion", channel="portal")
    assert not SubjectRequest.objects.for_user(hr_company).exists()
    assert SubjectRequest.objects.for_user(users.hr).filter(pk=row.pk).exists()
    for call in (lambda: subject_request_delete_carry_out(actor=hr_company, request_id=row.pk),
                 lambda: subject_request_refuse(actor=hr_company, request_id=row.pk, reason="x")):
        with pytest.raises(Http404):
            call()
    client = Client()
    client.login(username="hr_company", password=PASSWORD)
    assert client.get(f"/admin/portal/subjectrequest/{row.pk}/change/").status_code == 404
    assert client.post(f"/admin/portal/subjectrequest/{row.pk}/carry-out-deletion/").status_code == 404
    assert SubjectRequest.objects.get(pk=row.pk).state == "open"
    rich.candidate.refresh_from_db()
    assert rich.candidate.anonymised_at is None


def test_r_sec_6_a_manager_may_not_carry_out_a_request(rich, users):
    from django.core.exceptions import PermissionDenied

    row = subject_request_create(candidate_id=rich.candidate.pk, kind="copy", channel="portal")
    with pytest.raises(PermissionDenied):
        subject_request_copy_prepare(actor=users.er_manager, request_id=row.pk)


# -- the admin ------------------------------------------------------------------------------------------------

def _hr_client():
    client = Client(headers={"accept-language": "en"})  # messages asserted in English
    assert client.login(username="hr", password=PASSWORD)
    return client


def test_r_sec_6_admin_lists_requests_with_due_dates_and_highlights_the_overdue(rich, users):
    with time_machine.travel(NOW - dt.timedelta(days=20), tick=False):
        late = subject_request_create(candidate_id=rich.candidate.pk, kind="copy", channel="portal")
    with time_machine.travel(NOW, tick=False):
        subject_request_create(candidate_id=rich.candidate.pk, kind="deletion", channel="portal")
        client = _hr_client()
        page = client.get("/admin/portal/subjectrequest/").content.decode()
        assert page.count("subject-request-overdue") == 1 and timezone.localtime(late.due_at).strftime("%Y-%m-%d") in page
        overdue = client.get("/admin/portal/subjectrequest/?due=overdue").content.decode()
        assert f"/admin/portal/subjectrequest/{late.pk}/change/" in overdue
        assert overdue.count("/change/") == 1


def test_r_sec_6_admin_actions_call_the_services_and_show_refusals(rich, users):
    client = _hr_client()
    copy = subject_request_create(candidate_id=rich.candidate.pk, kind="copy", channel="portal")
    page = client.get(f"/admin/portal/subjectrequest/{copy.pk}/change/").content.decode()
    assert 'id="prepare-copy"' in page and 'id="carry-out-deletion"' not in page
    res = client.post(f"/admin/portal/subjectrequest/{copy.pk}/prepare-copy/", follow=True)
    assert "The copy is prepared" in res.content.decode()
    assert SubjectRequest.objects.get(pk=copy.pk).state == "done"
    download = client.get(f"/admin/portal/subjectrequest/{copy.pk}/copy/")
    assert download.status_code == 200
    assert "data.json" in zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()

    LegalHold.objects.create(candidate=rich.candidate, reason="inquiry")
    deletion = subject_request_create(candidate_id=rich.candidate.pk, kind="deletion", channel="portal")
    res = client.post(f"/admin/portal/subjectrequest/{deletion.pk}/carry-out-deletion/", follow=True)
    assert "legal hold" in res.content.decode()
    assert SubjectRequest.objects.get(pk=deletion.pk).state == "open"
    res = client.post(f"/admin/portal/subjectrequest/{deletion.pk}/refuse/", {"reason": ""}, follow=True)
    assert "Say why the request is refused" in res.content.decode()
    res = client.post(f"/admin/portal/subjectrequest/{deletion.pk}/refuse/", {"reason": "Legal hold"}, follow=True)
    assert SubjectRequest.objects.get(pk=deletion.pk).state == "refused"
    assert client.get(f"/admin/portal/subjectrequest/{deletion.pk}/refuse/").status_code == 404  # POST only
