"""Department isolation of every write outside the candidates app (R-SEC-1).

The outsider here is HR of another organisation (``hr_company``: HR staff of the company): the role HOLDS every
permission the write needs, so the role check passes and only the department check can stop it. Each write on a
hospital object must answer exactly 404 (the answer for an object that does not exist: no existence leak) and
leave the object as it was, re-read from the database; no audit row, no message. Then the same request by
someone in scope succeeds and changes the object -- so the 404 came from the scope, not from a request that
could never work. (``tests/candidates/test_scope.py`` does the same for the candidates app.)

Writes that take the object in the body and answer an unknown one with a 400 naming the field (interviews'
schedule, batch and busy-block endpoints) are held to that: exactly the answer for an id that does not exist.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from attendance.models import AttendanceAccount, LeaveRequest, ProbationReview, Punch, ShiftAssignment
from dashboard.models import CostRecord
from employees.models import Employee
from hrsys.audit.models import AuditEvent
from interviews.ai.models import AIInterviewResult, AIInvitation, AIMedia, QuestionUsage
from interviews.models import BatchRun, BusyBlock, Interview, InterviewFeedback, JoinProblem, RebookingOffer
from notifications.models import Notification
from onboarding.models import Offer, OfferApproval
from tests.attendance.factories import local
from tests.platform import hospital as h
from tests.platform.hospital import NOW

pytestmark = pytest.mark.django_db
hospital_settings, w = h.hospital_settings, h.w  # the fixtures


@dataclass
class Write:
    id: str
    perm: str  # what the outsider's role grants: the role check cannot be what stops it
    build: Callable  # (w) -> namespace of hospital objects
    url: Callable  # (o) -> str
    data: Callable  # (o) -> dict (called per request: uploads are read once)
    state: Callable  # (o) -> the object's state, re-read from the database
    owner: str = "hr"  # who, in scope, succeeds with the same request
    ok: int = 200
    method: str = "post"
    fmt: str = "json"
    outside: int = 404  # the answer for an object that does not exist
    missing: Callable | None = field(default=None)  # (o) -> the same request naming an object that does not exist


def _values(model, pk, *names):
    return tuple(model.objects.filter(pk=pk).values_list(*names).first() or ())


# -- attendance ---------------------------------------------------------------------------------------------

def _punch_csv(o):
    text = f"clock_id,time\n{o.account.clock_id},2026-03-02 08:55:00\n"
    return {"file": SimpleUploadedFile("export.csv", text.encode(), content_type="text/csv")}


ATTENDANCE = [
    Write("attendance-account-reschedule", "attendance.change_attendanceaccount", h.scheduled_account,
          lambda o: f"/api/v1/attendance/accounts/{o.account.pk}/reschedule/",
          lambda o: {"start_date": "2026-03-16"},
          lambda o: _values(AttendanceAccount, o.account.pk, "effective_date", "state", "changed_at")),
    Write("attendance-account-revoke", "attendance.change_attendanceaccount", h.working_account,
          lambda o: f"/api/v1/attendance/accounts/{o.account.pk}/revoke/", lambda o: {"reason": "离职"},
          lambda o: _values(AttendanceAccount, o.account.pk, "state", "revoke_reason", "deactivated_at")),
    Write("attendance-shift-assign", "attendance.add_shiftassignment", h.working_account,
          lambda o: "/api/v1/attendance/shift-assignments/",
          lambda o: {"account": o.account.pk, "template": o.template.pk, "start_date": "2026-03-09"},
          lambda o: ShiftAssignment.objects.filter(account=o.account).count(), ok=201,
          missing=lambda o: {"account": 999999, "template": o.template.pk, "start_date": "2026-03-09"}),
    Write("attendance-leave-create", "attendance.add_leaverequest", h.working_account,
          lambda o: "/api/v1/attendance/leave-requests/",
          lambda o: {"account": o.account.pk, "type": "personal", "start_date": "2026-03-09",
                     "end_date": "2026-03-10"},
          lambda o: LeaveRequest.objects.filter(account=o.account).count(), ok=201,
          missing=lambda o: {"account": 999999, "type": "personal", "start_date": "2026-03-09",
                             "end_date": "2026-03-10"}),
    Write("attendance-leave-decide", "attendance.change_leaverequest", h.leave_request,
          lambda o: f"/api/v1/attendance/leave-requests/{o.leave.pk}/decide/", lambda o: {"decision": "approve"},
          lambda o: _values(LeaveRequest, o.leave.pk, "state", "decided_by", "decided_at")),
    Write("attendance-probation-decide", "attendance.change_probationreview", h.probation_review,
          lambda o: f"/api/v1/attendance/probation/{o.review.pk}/decide/", lambda o: {"decision": "pass"},
          lambda o: _values(ProbationReview, o.review.pk, "decision", "decided_by", "ends_on")),
    Write("attendance-punch-import", "attendance.add_punch", h.clock,
          lambda o: f"/api/v1/attendance/devices/{o.device.pk}/import/", _punch_csv,
          lambda o: Punch.objects.filter(device=o.device).count(), fmt="multipart"),
]


# -- onboarding: offers, cases, checklist items, employees ------------------------------------------------------


def _offer_state(o):
    return _values(Offer, o.offer.pk, "state", "version", "note", "withdraw_reason", "sent_at")


def _case_state(o):
    return (_values(type(o.case), o.case.pk, "state", "start_date", "cancel_reason"),
            _values(AttendanceAccount, AttendanceAccount.objects.get(offer=o.case.offer_id).pk, "state",
                    "effective_date"))


ONBOARDING = [
    Write("offer-create", "onboarding.add_offer", h.interviewing, lambda o: "/api/v1/offers/create/",
          lambda o: {"application": o.app.pk, "monthly_salary": "10000", "job_level": "N1"},
          lambda o: Offer.objects.filter(application=o.app).count(), ok=201,
          missing=lambda o: {"application": 999999, "monthly_salary": "10000", "job_level": "N1"}),
    Write("offer-update", "onboarding.change_offer", h.draft_offer, lambda o: f"/api/v1/offers/{o.offer.pk}/",
          lambda o: {"note": "改过了", "monthly_salary": "10500"}, _offer_state, method="patch"),
    Write("offer-submit", "onboarding.change_offer", h.draft_offer, lambda o: f"/api/v1/offers/{o.offer.pk}/submit/",
          lambda o: {}, _offer_state),
    Write("offer-send", "onboarding.change_offer", h.approved_offer, lambda o: f"/api/v1/offers/{o.offer.pk}/send/",
          lambda o: {}, _offer_state),
    Write("offer-withdraw", "onboarding.change_offer", h.draft_offer, lambda o: f"/api/v1/offers/{o.offer.pk}/withdraw/",
          lambda o: {"reason": "岗位取消"}, _offer_state),
    Write("offer-approval-decide", "onboarding.approve_offer", h.offer_in_approval,
          lambda o: f"/api/v1/offer-approvals/{o.approval.pk}/decide/", lambda o: {"decision": "approve"},
          lambda o: (_values(OfferApproval, o.approval.pk, "decision", "decided_at"), _offer_state(o)),
          owner="approver"),
    Write("onboarding-case-reschedule", "onboarding.change_onboardingcase", h.onboarding_case,
          lambda o: f"/api/v1/onboarding/cases/{o.case.pk}/reschedule/",
          lambda o: {"start_date": (o.case.start_date + dt.timedelta(days=7)).isoformat()}, _case_state),
    Write("onboarding-case-cancel", "onboarding.change_onboardingcase", h.onboarding_case,
          lambda o: f"/api/v1/onboarding/cases/{o.case.pk}/cancel/", lambda o: {"reason": "候选人另有选择"},
          _case_state),
    Write("onboarding-checklist-item-complete", "onboarding.change_checklistitem", h.onboarding_case,
          lambda o: f"/api/v1/onboarding/checklist-items/{o.item.pk}/complete/", lambda o: {"note": "完成"},
          lambda o: _values(type(o.item), o.item.pk, "done_at", "done_by", "note")),
    Write("employee-exit", "employees.change_employee", h.employee,
          lambda o: f"/api/v1/employees/{o.employee.pk}/exit/",
          lambda o: {"last_day": (o.case.start_date + dt.timedelta(days=60)).isoformat(), "reason": "pay"},
          lambda o: _values(Employee, o.employee.pk, "state", "exit_date", "attrition_reason")),
]


# -- interviews --------------------------------------------------------------------------------------------------


def _interview_state(o):
    return (_values(Interview, o.interview.pk, "state", "starts_at", "cancelled_at", "attended_at", "no_show_at"),
            Interview.objects.filter(previous=o.interview).count())


INTERVIEWS = [
    Write("interview-schedule", "interviews.add_interview", h.interview_plan, lambda o: "/api/v1/interviews/schedule/",
          lambda o: {"application": o.app.pk, "round": o.round.pk, "starts_at": local(dt.date(2026, 3, 4), 9)
                     .isoformat()},
          lambda o: Interview.objects.filter(application=o.app).count(), ok=201, outside=400,
          missing=lambda o: {"application": 999999, "round": o.round.pk,
                             "starts_at": local(dt.date(2026, 3, 4), 9).isoformat()}),
    Write("interview-batch", "interviews.add_interview", h.interview_plan, lambda o: "/api/v1/interviews/batch/",
          lambda o: {"job": o.job.pk, "round": o.round.pk, "applications": [o.app.pk],
                     "period_start": local(dt.date(2026, 3, 4), 8).isoformat(),
                     "period_end": local(dt.date(2026, 3, 6), 18).isoformat()},
          lambda o: BatchRun.objects.filter(job=o.job).count(), ok=202, outside=400,
          missing=lambda o: {"job": 999999, "round": o.round.pk, "applications": [o.app.pk],
                             "period_start": local(dt.date(2026, 3, 4), 8).isoformat(),
                             "period_end": local(dt.date(2026, 3, 6), 18).isoformat()}),
    Write("interview-busy-block", "interviews.add_busyblock", h.interview_plan, lambda o: "/api/v1/interviews/busy-blocks/",
          lambda o: {"user": o.second.pk, "starts_at": local(dt.date(2026, 3, 5), 9).isoformat(),
                     "ends_at": local(dt.date(2026, 3, 5), 12).isoformat()},
          lambda o: BusyBlock.objects.filter(user=o.second).count(), ok=201, outside=400,
          missing=lambda o: {"user": 999999, "starts_at": local(dt.date(2026, 3, 5), 9).isoformat(),
                             "ends_at": local(dt.date(2026, 3, 5), 12).isoformat()}),
    Write("interview-reschedule", "interviews.change_interview", h.booked_interview,
          lambda o: f"/api/v1/interviews/{o.interview.pk}/reschedule/",
          lambda o: {"starts_at": local(dt.date(2026, 3, 5), 14).isoformat(), "reason": "科室会议"},
          _interview_state, ok=201),
    Write("interview-cancel", "interviews.change_interview", h.booked_interview,
          lambda o: f"/api/v1/interviews/{o.interview.pk}/cancel/", lambda o: {"reason": "岗位取消"},
          _interview_state),
    Write("interview-attended", "interviews.change_interview", h.interview_under_way,
          lambda o: f"/api/v1/interviews/{o.interview.pk}/attended/", lambda o: {}, _interview_state),
    Write("interview-no-show", "interviews.change_interview", h.interview_under_way,
          lambda o: f"/api/v1/interviews/{o.interview.pk}/no-show/", lambda o: {"reason": "未到"},
          _interview_state),
    Write("interview-feedback", "interviews.add_interviewfeedback", h.interview_under_way,
          lambda o: f"/api/v1/interviews/{o.interview.pk}/feedback/",
          lambda o: {"scores": {"clinical": 4}, "recommendation": "yes", "notes": "扎实"},
          lambda o: InterviewFeedback.objects.filter(interview=o.interview).count(), owner="interviewer", ok=201),
    Write("interview-rebook", "interviews.change_interview", h.join_problem,
          lambda o: f"/api/v1/interviews/join-problems/{o.problem.pk}/resolve/",
          lambda o: {"resolution": "new_slot"},
          lambda o: (_values(JoinProblem, o.problem.pk, "resolution", "resolved_by"), _interview_state(o),
                     RebookingOffer.objects.filter(interview=o.interview).count())),
]


# -- AI interviews ----------------------------------------------------------------------------------------------


def _import_file(o):
    text = "assessment_id,result_id,overall_score\nA-1,R-IMPORT-1,81\n"
    return {"vendor": "acme", "commit": "true",
            "file": SimpleUploadedFile("results.csv", text.encode(), content_type="text/csv")}


def _result_state(o):
    return (_values(AIInterviewResult, o.result.pk, "move_status", "decision", "hold_until"),
            _values(type(o.app), o.app.pk, "state"))


AI_INTERVIEWS = [
    Write("ai-invitation-create", "candidates.change_application", h.ai_screening,
          lambda o: "/api/v1/ai-interviews/invitations/",
          lambda o: {"application": o.app.pk, "vendor": "acme", "deadline": (NOW + dt.timedelta(days=3)).isoformat()},
          lambda o: (AIInvitation.objects.filter(application=o.app).count(),
                     Interview.objects.filter(application=o.app).count(), _values(type(o.app), o.app.pk, "state")),
          ok=201,
          missing=lambda o: {"application": 999999, "vendor": "acme",
                             "deadline": (NOW + dt.timedelta(days=3)).isoformat()}),
    Write("ai-media-upload", "candidates.change_application", h.ai_borderline,
          lambda o: f"/api/v1/ai-interviews/results/{o.result.pk}/media/",
          lambda o: {"kind": "audio", "file": SimpleUploadedFile("a.mp3", b"ID3audio", content_type="audio/mpeg")},
          lambda o: AIMedia.objects.filter(result=o.result).count(), ok=201, fmt="multipart"),
    Write("ai-review-decide", "candidates.change_application", h.ai_borderline,
          lambda o: f"/api/v1/ai-interviews/results/{o.result.pk}/review/",
          lambda o: {"advance": False, "reason": "沟通不足"}, _result_state),
    Write("ai-hold-cancel", "candidates.change_application", h.ai_on_hold,
          lambda o: f"/api/v1/ai-interviews/results/{o.result.pk}/hold/cancel/", lambda o: {"reason": "再看看"},
          _result_state),
    Write("ai-question-asked", "candidates.change_application", h.ai_screening,
          lambda o: f"/api/v1/ai-interviews/applications/{o.app.pk}/questions-asked/",
          lambda o: {"question": o.question.pk},
          lambda o: QuestionUsage.objects.filter(application=o.app).count(), ok=201),
    Write("ai-result-import", "candidates.change_application", h.ai_invited, lambda o: "/api/v1/ai-interviews/imports/",
          _import_file,
          lambda o: (AIInterviewResult.objects.filter(application=o.app).count(),
                     _values(type(o.app), o.app.pk, "state")),
          fmt="multipart", outside=400,
          missing=lambda o: {**_import_file(o), "file": SimpleUploadedFile(
              "results.csv", b"assessment_id,result_id,overall_score\nA-404,R-IMPORT-1,81\n",
              content_type="text/csv")}),
]


# -- notifications and dashboard costs ----------------------------------------------------------------------------


def _costs(o):
    return CostRecord.objects.count()


OTHERS = [
    Write("notification-requeue", "notifications.change_notification", h.failed_notification,
          lambda o: f"/api/v1/notifications/{o.notification.pk}/requeue/", lambda o: {},
          lambda o: Notification.objects.filter(idempotency_key__startswith="hospital:notification:1").count(), ok=201),
    Write("dashboard-cost-for-job", "dashboard.add_costrecord", h.job, lambda o: "/api/v1/dashboard/costs/",
          lambda o: {"job": o.job.pk, "kind": "agency", "month": "2026-03-01", "amount": "800.00"}, _costs, ok=201,
          missing=lambda o: {"job": 999999, "kind": "agency", "month": "2026-03-01", "amount": "800.00"}),
    Write("dashboard-cost-for-department", "dashboard.add_costrecord", h.job, lambda o: "/api/v1/dashboard/costs/",
          lambda o: {"department": o.job.department_id, "kind": "job_board", "month": "2026-03-01",
                     "amount": "300.00", "source": "website"}, _costs, ok=201,
          missing=lambda o: {"department": 999999, "kind": "job_board", "month": "2026-03-01", "amount": "300.00",
                             "source": "website"}),
]

WRITES = ATTENDANCE + ONBOARDING + INTERVIEWS + AI_INTERVIEWS + OTHERS


def _send(client, write, o, data):
    return getattr(client, write.method)(write.url(o), data, format=write.fmt)


def _owner(w, write, o):
    if write.owner == "approver":
        return OfferApproval.objects.get(pk=o.approval.pk).approver
    return getattr(w, write.owner)


def _traces(w):
    """What a write leaves behind besides its object: audit rows of the outsider, messages."""
    return AuditEvent.objects.filter(actor=w.hr_company).count(), Notification.objects.count()


@pytest.mark.parametrize("write", WRITES, ids=[x.id for x in WRITES])
def test_r_sec_1_write_by_hr_of_another_organisation_is_404_and_changes_nothing(write, w, api_as):
    """R-SEC-1: HR of the company holds the permission but not the hospital's department: exactly the answer for
    an object that does not exist, the object unchanged (re-read), nothing audited or sent; in scope the same
    request works."""
    o = write.build(w)
    assert w.hr_company.has_perm(write.perm), write.perm
    before, traces = write.state(o), _traces(w)
    response = _send(api_as(w.hr_company), write, o, write.data(o))
    assert response.status_code == write.outside, response.content
    assert write.state(o) == before
    assert _traces(w) == traces
    if write.missing is not None:  # the same answer as for an object that does not exist
        unknown = _send(api_as(w.hr_company), write, o, write.missing(o))
        assert (unknown.status_code, unknown.json()) == (response.status_code, response.json())
    elif write.outside == 404:
        assert response.json() == api_as(w.hr_company).get("/api/v1/candidates/999999/").json()
    ok = _send(api_as(_owner(w, write, o)), write, o, write.data(o))
    assert ok.status_code == write.ok, ok.content
    assert write.state(o) != before
