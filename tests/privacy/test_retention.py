"""Retention per data class and organisation, the nightly sweep, the dry run and legal holds (R-SEC-5)."""

import datetime as dt
import os

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.http import Http404
from django.utils import timezone

from candidates.models import Candidate, LegalHold, Resume, State
from candidates.services import candidate_anonymise, legal_hold_place, legal_hold_release
from hrsys.api.errors import Conflict
from hrsys.audit.models import AccessLog, AuditEvent
from hrsys.audit.services import access_log
from hrsys.core.periodic import run_due_jobs
from hrsys.privacy import tasks
from hrsys.privacy.models import RetentionPolicy, RetentionSweep
from hrsys.privacy.registry import UnknownDataClass, data_class, data_classes
from hrsys.privacy.services import (
    retention_policy_set,
    retention_preview,
    retention_purge_class,
    retention_sweep_run,
    retention_sweep_schedule,
)
from notifications.models import Notification
from portal.models import PortalSession
from tests.candidates.factories import ApplicationFactory, JobFactory
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC)


def ago(days: int) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def closed_candidate(department, *, days_ago: int, state=State.REJECTED, with_resume=True):
    """A candidate whose only application was closed ``days_ago`` days before NOW, with a résumé and a message."""
    with time_machine.travel(ago(days_ago), tick=False):
        app = ApplicationFactory(job=JobFactory(department=department), state=state)
        if with_resume:
            resume = Resume(candidate=app.candidate, kind="pdf", original_name="cv.pdf")
            resume.file.save("cv.pdf", ContentFile(b"%PDF-1.4 private cv"), save=False)
            resume.save()
        message(app.candidate, department)
    return app.candidate


def message(candidate, department, *, status="sent"):
    return Notification.objects.create(
        idempotency_key=f"k-{candidate.pk}-{Notification.objects.count()}", recipient_type="candidates.candidate",
        recipient_id=str(candidate.pk), recipient_name=candidate.name, recipient_phone=candidate.phone,
        channel="sms", template_key="interview_invitation", subject="", body=f"{candidate.name}, 面试邀请",
        due_at=timezone.now(), next_attempt_at=timezone.now(), department=department, status=status)


def sweep(now=NOW):
    with time_machine.travel(now, tick=False):
        return retention_sweep_run(sweep_id=RetentionSweep.objects.create(day=now.date()).pk, now=now)


# -- the data classes and their policies ------------------------------------------------------------------------

def test_r_sec_5_every_data_class_of_the_brief_is_registered_with_a_default():
    keys = {cls.key for cls in data_classes()}
    assert keys == {"rejected_candidates", "talent_pool", "ai_recordings", "resumes", "message_bodies",
                    "access_logs", "punches", "employee_files"}
    assert all(cls.default_days > 0 and cls.counted_from for cls in data_classes())
    assert data_class("access_logs").floor_days == 180


def test_r_sec_5_an_unknown_data_class_is_a_clear_error(org, users):
    with pytest.raises(UnknownDataClass, match="unknown data class 'photos'; known: access_logs"):
        data_class("photos")
    with pytest.raises(ValidationError) as err:
        retention_purge_class(key="photos", now=NOW)
    assert "photos" in str(err.value.message_dict["data_class"])
    with pytest.raises(ValidationError) as err:
        retention_policy_set(actor=users.director, organization=org.hospital, data_class_key="photos", days=30)
    assert "data_class" in err.value.message_dict
    assert not RetentionPolicy.objects.exists()


def test_r_sec_5_access_logs_are_never_kept_under_180_days(org, users):
    with pytest.raises(ValidationError) as err:
        retention_policy_set(actor=users.director, organization=org.hospital, data_class_key="access_logs", days=90)
    assert "180" in err.value.message_dict["days"][0]
    with time_machine.travel(ago(364), tick=False):
        access_log(actor=users.hr, kind="view", obj=("candidates.candidate", 0), detail="test")
    assert sweep(NOW - dt.timedelta(days=2))["access_logs"] == 0  # the default: a year
    # logs belong to no organisation: the longest period of any applies, so both must say 180
    for organization in (org.hospital, org.company):
        retention_policy_set(actor=users.director, organization=organization, data_class_key="access_logs",
                             days=180)
    with time_machine.travel(ago(179), tick=False):
        access_log(actor=users.hr, kind="view", obj=("candidates.candidate", 1), detail="test")
    with time_machine.travel(ago(181), tick=False):
        access_log(actor=users.hr, kind="view", obj=("candidates.candidate", 2), detail="test")
    assert sweep()["access_logs"] == 2
    assert list(AccessLog.objects.values_list("object_id", flat=True)) == ["1"]
    assert AuditEvent.objects.filter(action="audit_log.purge", actor_label="retention").exists()


def test_r_sec_5_ai_recordings_keep_the_vendors_period_and_refuse_an_organisation_policy(org, users):
    with pytest.raises(ValidationError) as err:
        retention_policy_set(actor=users.director, organization=org.hospital, data_class_key="ai_recordings",
                             days=30)
    assert "AI vendor" in err.value.message_dict["data_class"][0]


def test_r_sec_5_a_policy_change_is_audited_with_old_and_new_days(org, users):
    retention_policy_set(actor=users.director, organization=org.hospital, data_class_key="resumes", days=90)
    retention_policy_set(actor=users.director, organization=org.hospital, data_class_key="resumes", days=60)
    assert RetentionPolicy.objects.get().days == 60
    event = AuditEvent.objects.filter(action="retention_policy.set").order_by("-id").first()
    assert event.changes["days"] == [90, 60] and event.actor == users.director


def test_r_sec_5_a_policy_is_for_an_organisation_not_a_department(org, users):
    with pytest.raises(ValidationError) as err:
        retention_policy_set(actor=users.director, organization=org.emergency, data_class_key="resumes", days=90)
    assert "organization" in err.value.message_dict


# -- the sweep ---------------------------------------------------------------------------------------------------

def test_r_sec_5_a_rejected_candidate_is_anonymised_after_the_period_and_statistics_stay(org):
    fresh = closed_candidate(org.emergency, days_ago=300)
    old = closed_candidate(org.emergency, days_ago=400)
    resume_path = old.resumes.get().file.path
    counts = sweep()
    assert counts["rejected_candidates"] == 1
    old.refresh_from_db()
    assert old.anonymised_at == NOW and old.name == "—" and old.phone == "" and old.id_number == ""
    assert old.applications.get().state == State.REJECTED  # the statistics keep the application
    assert not old.resumes.exists() and not os.path.exists(resume_path)
    note = Notification.objects.get(recipient_id=str(old.pk))
    assert note.body == "" and note.recipient_name == "" and note.erased_at == NOW
    fresh.refresh_from_db()
    assert fresh.anonymised_at is None and fresh.name != "—"
    assert not fresh.resumes.exists()  # 300 days: past the résumés' 180, not the record's 365


def test_r_sec_5_the_sweep_leaves_an_audit_summary_without_personal_data(org):
    old = closed_candidate(org.emergency, days_ago=400)
    name, phone = old.name, old.phone
    sweep()
    summary = AuditEvent.objects.get(action="retention.sweep")
    assert summary.changes["rejected_candidates"] == [None, 1] and summary.actor_label == "retention"
    for event in AuditEvent.objects.filter(action__in=["retention.sweep", "candidate.anonymise"]):
        text = f"{event.changes} {event.reason} {event.object_repr}"
        assert name not in text and phone not in text


def test_r_sec_5_the_sweep_is_idempotent(org):
    closed_candidate(org.emergency, days_ago=400)
    sweep_row = RetentionSweep.objects.create(day=NOW.date())
    with time_machine.travel(NOW, tick=False):
        first = retention_sweep_run(sweep_id=sweep_row.pk, now=NOW)
        again = retention_sweep_run(sweep_id=sweep_row.pk, now=NOW)
    assert first == again and first["rejected_candidates"] == 1
    assert AuditEvent.objects.filter(action="retention.sweep").count() == 1
    assert AuditEvent.objects.filter(action="candidate.anonymise").count() == 1
    # a second night finds nothing more of it
    assert sweep(NOW + dt.timedelta(days=1))["rejected_candidates"] == 0


def test_r_sec_5_each_organisation_keeps_its_own_period(org, users):
    retention_policy_set(actor=users.director, organization=org.hospital, data_class_key="rejected_candidates",
                         days=30)
    in_hospital = closed_candidate(org.ward, days_ago=40)
    in_company = closed_candidate(org.company, days_ago=40)
    assert sweep()["rejected_candidates"] == 1
    assert Candidate.objects.get(pk=in_hospital.pk).anonymised_at is not None
    assert Candidate.objects.get(pk=in_company.pk).anonymised_at is None  # the default 365 days


def test_r_sec_5_a_candidate_who_applied_in_two_organisations_waits_for_both(org, users):
    retention_policy_set(actor=users.director, organization=org.hospital, data_class_key="rejected_candidates",
                         days=30)
    candidate = closed_candidate(org.ward, days_ago=40)
    with time_machine.travel(ago(40), tick=False):
        ApplicationFactory(candidate=candidate, job=JobFactory(department=org.company), state=State.WITHDRAWN)
    assert sweep()["rejected_candidates"] == 0
    assert Candidate.objects.get(pk=candidate.pk).anonymised_at is None


def test_r_sec_5_open_applications_and_the_talent_pool_are_not_rejected_candidates(org):
    with time_machine.travel(ago(400), tick=False):
        open_app = ApplicationFactory(job=JobFactory(department=org.emergency), state=State.SCREENING)
    pooled = closed_candidate(org.emergency, days_ago=400, state=State.TALENT_POOL)
    counts = sweep()
    assert counts["rejected_candidates"] == 0 and counts["talent_pool"] == 0
    assert Candidate.objects.filter(pk__in=[open_app.candidate_id, pooled.pk], anonymised_at__isnull=True).count() == 2
    assert Resume.objects.filter(candidate=pooled).exists()  # the résumé class is for rejected candidates only
    assert sweep(NOW + dt.timedelta(days=400))["talent_pool"] == 1  # after two years in the pool
    assert Candidate.objects.get(pk=pooled.pk).anonymised_at is not None


def test_r_sec_5_resumes_go_before_the_candidate_record(org):
    candidate = closed_candidate(org.emergency, days_ago=200)
    counts = sweep()
    assert counts["resumes"] == 1 and counts["rejected_candidates"] == 0
    candidate.refresh_from_db()
    assert candidate.anonymised_at is None and not candidate.resumes.exists()


def test_r_sec_5_message_texts_are_erased_after_the_period_unless_pending(org, users):
    with time_machine.travel(ago(200), tick=False):
        app = ApplicationFactory(job=JobFactory(department=org.emergency), state=State.SCREENING)
        sent = message(app.candidate, org.emergency)
        pending = message(app.candidate, org.emergency, status="pending")
    with time_machine.travel(ago(100), tick=False):
        recent = message(app.candidate, org.emergency)
    assert sweep()["message_bodies"] == 1
    sent.refresh_from_db()
    assert sent.body == "" and sent.erased_at == NOW and sent.recipient_phone  # only the text, the row stays
    assert Notification.objects.get(pk=pending.pk).body and Notification.objects.get(pk=recent.pk).body


# -- legal holds -------------------------------------------------------------------------------------------------

def test_r_sec_5_the_sweep_respects_a_legal_hold_until_it_is_released(org, users):
    held = closed_candidate(org.emergency, days_ago=400)
    hold = legal_hold_place(actor=users.hr, candidate_id=held.pk, reason="劳动仲裁")
    with time_machine.travel(ago(300), tick=False):
        message(held, org.emergency)
    counts = sweep()
    assert counts["rejected_candidates"] == 0 and counts["resumes"] == 0 and counts["message_bodies"] == 0
    held.refresh_from_db()
    assert held.anonymised_at is None and held.resumes.exists()
    assert not Notification.objects.filter(recipient_id=str(held.pk), erased_at__isnull=False).exists()
    legal_hold_release(actor=users.hr, hold_id=hold.pk, reason="结案")
    assert sweep(NOW + dt.timedelta(days=1))["rejected_candidates"] == 1


def test_r_sec_5_a_deletion_under_legal_hold_is_refused(org, users):
    held = closed_candidate(org.emergency, days_ago=10)
    legal_hold_place(actor=users.hr, candidate_id=held.pk, reason="诉讼")
    with pytest.raises(Conflict, match="legal hold"):
        candidate_anonymise(actor=users.hr, candidate_id=held.pk, reason="request")
    held.refresh_from_db()
    assert held.anonymised_at is None and held.name != "—"
    with pytest.raises(Conflict, match="already under a legal hold"):
        legal_hold_place(actor=users.hr, candidate_id=held.pk, reason="again")


def test_r_sec_5_a_hold_needs_a_reason_and_is_placed_in_scope_only(org, users):
    candidate = closed_candidate(org.emergency, days_ago=10)
    with pytest.raises(ValidationError):
        legal_hold_place(actor=users.hr, candidate_id=candidate.pk, reason="  ")
    other = closed_candidate(org.company, days_ago=10)
    with pytest.raises(Http404):
        legal_hold_place(actor=users.hr, candidate_id=other.pk, reason="x")  # the company is not hr's
    with pytest.raises(PermissionDenied):
        legal_hold_place(actor=users.interviewer, candidate_id=candidate.pk, reason="x")
    assert not LegalHold.objects.exists()


def test_r_sec_5_an_open_application_refuses_anonymisation(org, users):
    app = ApplicationFactory(job=JobFactory(department=org.emergency), state=State.INTERVIEWING)
    with pytest.raises(Conflict, match="open or accepted application"):
        candidate_anonymise(actor=users.hr, candidate_id=app.candidate_id, reason="request")


# -- the dry run and the nightly schedule ------------------------------------------------------------------------

def test_r_sec_5_the_dry_run_counts_what_the_sweep_then_removes(org):
    closed_candidate(org.emergency, days_ago=400)
    closed_candidate(org.company, days_ago=200)
    with time_machine.travel(NOW, tick=False):
        preview = {row["key"]: row["count"] for row in retention_preview(now=NOW)}
        hospital_only = {row["key"]: row["count"] for row in retention_preview(now=NOW, org_ids=[org.hospital.pk])}
    assert preview["rejected_candidates"] == 1 and preview["resumes"] == 2 and preview["message_bodies"] == 2
    assert hospital_only["rejected_candidates"] == 1 and hospital_only["resumes"] == 1
    assert hospital_only["message_bodies"] == 1 and hospital_only["access_logs"] is None
    assert Candidate.objects.filter(anonymised_at__isnull=False).count() == 0  # a dry run changes nothing
    counts = sweep()
    assert counts["rejected_candidates"] == 1 and counts["resumes"] == 2 and counts["message_bodies"] == 2


def test_r_sec_5_the_sweep_runs_once_a_night_from_two_oclock_local(org, monkeypatch, django_capture_on_commit_callbacks):
    enqueued = []
    monkeypatch.setattr(tasks, "enqueue_sweep", enqueued.append)
    before = dt.datetime(2026, 11, 30, 1, 59, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert run_due_jobs(now=before, only=["privacy.retention_sweep"])["privacy.retention_sweep"] == "waiting"
    at_two = before + dt.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        first = run_due_jobs(now=at_two, only=["privacy.retention_sweep"])["privacy.retention_sweep"]
        again = run_due_jobs(now=at_two + dt.timedelta(minutes=1), only=["privacy.retention_sweep"])
    sweep_row = RetentionSweep.objects.get()
    assert first == f"sweep {sweep_row.pk}" and again["privacy.retention_sweep"] == "done today"
    assert enqueued == [sweep_row.pk] and sweep_row.day == dt.date(2026, 11, 30)


def test_r_sec_5_the_task_takes_the_sweep_id_and_runs_it(org):
    closed_candidate(org.emergency, days_ago=400)
    with time_machine.travel(NOW, tick=False):
        sweep_row = retention_sweep_schedule(now=NOW, day=NOW.date())
        tasks.retention_sweep.run(sweep_row.pk)
    sweep_row.refresh_from_db()
    assert sweep_row.finished_at is not None and sweep_row.counts["rejected_candidates"] == 1


def test_r_sec_5_anonymising_is_for_hr_in_scope_only(org, users):
    candidate = closed_candidate(org.emergency, days_ago=10)
    with pytest.raises(PermissionDenied):
        candidate_anonymise(actor=users.er_manager, candidate_id=candidate.pk, reason="x")
    company_hr = UserFactory(username="hr_company", role="hr_staff", departments=[org.company])
    with pytest.raises(Http404):
        candidate_anonymise(actor=company_hr, candidate_id=candidate.pk, reason="x")
    assert Candidate.objects.get(pk=candidate.pk).anonymised_at is None
    candidate_anonymise(actor=users.hr, candidate_id=candidate.pk, reason="the person asked")
    assert Candidate.objects.get(pk=candidate.pk).anonymised_at is not None


def test_r_sec_5_anonymising_ends_the_persons_portal_sessions(org, users):
    candidate = closed_candidate(org.emergency, days_ago=10)
    session = PortalSession.objects.create(candidate=candidate, key_hash="k" * 64, method="sms",
                                           expires_at=timezone.now() + dt.timedelta(hours=1), ip="10.0.0.1",
                                           user_agent="Mobile Safari")
    candidate_anonymise(actor=users.hr, candidate_id=candidate.pk, reason="the person asked")
    session.refresh_from_db()
    assert session.ended_at is not None and session.ip is None and session.user_agent == ""


def test_r_sec_5_a_policy_row_of_a_class_no_longer_registered_does_not_break_the_admin(org, users, client):
    RetentionPolicy.objects.create(organization=org.hospital, data_class="retired_class", days=10)
    assert client.login(username="director", password=PASSWORD)
    response = client.get("/admin/privacy/retentionpolicy/")
    assert response.status_code == 200 and "retired_class" in response.content.decode()
