"""Hospital objects of every kind people's data comes in, built with the apps' factories and services, for the
platform-wide scope and access-log tests (R-SEC-1, R-SEC-3).

The hospital is ``org.hospital`` of ``tests/conftest.py`` (its people are ``users``); every object here belongs
to its emergency department. ``hr_company`` is HR staff of the company, another organisation: the same role,
so the same permissions, but none of the hospital's departments. Time stands at ``NOW`` (time_machine).
Use the fixtures by importing them: ``from tests.platform.hospital import hospital_settings, w``.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from attendance import services as attendance_services
from attendance.models import AttendanceAccount, ProbationReview
from candidates import services as candidate_services
from candidates.models import InterviewRound
from employees import services as employee_services
from interviews import services as interview_services
from interviews.ai.models import AIInterviewResult
from notifications.models import Notification
from notifications.services import notification_create
from onboarding import services as offer_services
from onboarding.models import OfferApproval, OnboardingCase
from tests.ai_interviews.factories import DIMENSIONS, InvitationFactory, QuestionFactory, VendorFactory
from tests.attendance.factories import active_account, day_shift, local, token_device
from tests.candidates.factories import ApplicationFactory, CandidateFactory, CredentialFactory, JobFactory
from tests.factories import UserFactory
from tests.onboarding.factories import PNG, band, drafted, interviewing_app, sent_offer

NOW = local(dt.date(2026, 3, 2), 10)  # a Monday, 10:00 in Shanghai
NEXT_WEEK = dt.date(2026, 3, 9)


@pytest.fixture(autouse=True)
def hospital_settings(settings, time_machine, monkeypatch):
    """No broker (deliveries and device pushes are enqueued after commit only), no LibreOffice, time at NOW."""
    from attendance import tasks as attendance_tasks
    from notifications import tasks as notification_tasks

    monkeypatch.setattr(notification_tasks, "enqueue_delivery", lambda notification_id: None)
    monkeypatch.setattr(attendance_tasks, "enqueue_push", lambda delivery_id: None)
    settings.OFFER_LETTER_PDF = False
    settings.PUBLIC_BASE_URL = "https://hr.example.org"
    settings.SMS_BACKEND = "console"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def w(org, users, time_machine):
    """The hospital's people (``users``) and HR of the company, which is another organisation."""
    hr_company = UserFactory(username="hr_company", role="hr_staff", departments=[org.company])
    return SimpleNamespace(org=org, users=users, hr_company=hr_company, time_machine=time_machine,
                           **{name: getattr(users, name) for name in ("hr", "director", "er_manager", "interviewer")})


# -- candidates -------------------------------------------------------------------------------------------------

def tiny_pdf(text="Jane Doe  jane@example.org") -> bytes:
    import io

    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, text)
    c.save()
    return buf.getvalue()


def candidate_files(w):
    """An application with a confirmed-or-not resume and a credential with its scan."""
    app = ApplicationFactory(job=JobFactory(department=w.org.emergency), state="screening")
    resume = candidate_services.resume_upload(actor=w.hr, candidate_id=app.candidate_id, filename="cv.pdf",
                                              data=tiny_pdf())
    credential = CredentialFactory(candidate=app.candidate)
    credential.file.save("licence.pdf", SimpleUploadedFile("licence.pdf", b"%PDF-1.4 scan"), save=True)
    return SimpleNamespace(app=app, candidate=app.candidate, resume=resume, credential=credential)


# -- attendance -------------------------------------------------------------------------------------------------

def scheduled_account(w):
    account = AttendanceAccount.objects.create(department=w.org.emergency, holder_name="王芳",
                                               effective_date=NEXT_WEEK)
    return SimpleNamespace(account=account)


def working_account(w):
    return SimpleNamespace(account=active_account(w.org.emergency), template=day_shift())


def leave_request(w):
    o = working_account(w)
    o.leave = attendance_services.leave_request_create(actor=w.hr, account_id=o.account.pk, type="personal",
                                                       start_date=NEXT_WEEK, end_date=NEXT_WEEK)
    return o


def probation_review(w):
    o = working_account(w)
    o.review = ProbationReview.objects.create(account=o.account, department=w.org.emergency,
                                              starts_on=o.account.effective_date,
                                              ends_on=o.account.effective_date + dt.timedelta(days=90))
    return o


def clock(w):
    o = working_account(w)
    o.device, _token = token_device(w.hr, w.org.emergency)
    return o


# -- onboarding -------------------------------------------------------------------------------------------------

def interviewing(w):
    band(w.org.emergency)
    return SimpleNamespace(app=interviewing_app(w.org.emergency))


def draft_offer(w):
    o = interviewing(w)
    o.offer = drafted(w.users, o.app)
    return o


def offer_in_approval(w):
    o = draft_offer(w)
    offer_services.offer_submit(actor=w.hr, offer_id=o.offer.pk)
    o.approval = OfferApproval.objects.get(offer=o.offer, step=1)
    return o


def approved_offer(w):
    o = offer_in_approval(w)
    for approval in o.offer.approvals.order_by("step"):
        offer_services.offer_decide(actor=approval.approver, approval_id=approval.pk, decision="approve",
                                    comment="ok")
    o.offer.refresh_from_db()
    assert o.offer.state == "approved"
    return o


def sent(w):
    o = interviewing(w)
    o.offer = sent_offer(w.users, o.app)
    return o


def onboarding_case(w):
    """An accepted offer: the case with its checklist, a scheduled attendance account."""
    o = sent(w)
    offer_services.offer_sign(candidate_id=o.app.candidate_id, offer_id=o.offer.pk, typed_name=o.app.candidate.name,
                              signature_png=PNG, accept_terms=True)
    o.case = OnboardingCase.objects.get(offer=o.offer)
    o.item = o.case.items.order_by("pk").first()
    assert o.item is not None
    return o


def employee(w):
    """The start date came (time moves there): the employee file exists."""
    o = onboarding_case(w)
    w.time_machine.move_to(local(o.case.start_date, 0, 5), tick=False)
    o.employee = employee_services.employee_create(actor=w.hr, case_id=o.case.pk)
    return o


# -- interviews -------------------------------------------------------------------------------------------------

def interview_plan(w):
    """An ER job with a clinical round by two ER interviewers, and an application in screening."""
    job = JobFactory(department=w.org.emergency, title="急诊护士",
                     assessment_dimensions=[{"key": "clinical", "label": "临床"}])
    second = UserFactory(username="nurse_lead", role="interviewer", departments=[w.org.emergency])
    rnd = InterviewRound.objects.create(job=job, order=1, kind="clinical", duration_minutes=45)
    rnd.interviewers.set([w.interviewer, second])
    app = ApplicationFactory(candidate=CandidateFactory(name="王芳"), job=job, state="screening", created_by=w.hr)
    return SimpleNamespace(job=job, round=rnd, app=app, second=second)


def booked_interview(w):
    o = interview_plan(w)
    o.interview = interview_services.interview_schedule(actor=w.hr, application_id=o.app.pk, round_id=o.round.pk,
                                                        starts_at=local(dt.date(2026, 3, 4), 9))
    return o


def interview_under_way(w):
    """A booked interview whose time has come (time moves there): attended, no-show and feedback apply."""
    o = booked_interview(w)
    w.time_machine.move_to(o.interview.starts_at + dt.timedelta(minutes=50), tick=False)
    return o


def join_problem(w):
    o = booked_interview(w)
    o.problem = interview_services.interview_report_could_not_join(interview_id=o.interview.pk, reason="network")
    return o


# -- AI interviews ----------------------------------------------------------------------------------------------

def ai_job(w):
    return JobFactory(department=w.org.emergency, title="急诊护士", assessment_dimensions=DIMENSIONS,
                      rejection_message="感谢您的关注。")


def ai_screening(w):
    """An application in screening, the Acme vendor and a bank question."""
    return SimpleNamespace(app=ApplicationFactory(job=ai_job(w), state="screening"),
                           vendor=VendorFactory(slug="acme"), question=QuestionFactory())


def ai_result(w, *, app_state="ai_completed", **values):
    """An invited application (Acme, assessment A-1) with a result R-1."""
    app = ApplicationFactory(job=ai_job(w), state=app_state)
    invitation = InvitationFactory(application=app, vendor=VendorFactory(slug="acme"), assessment_id="A-1")
    values = {"decision": "pass", "overall_score": 55,
              "dimension_scores": {"logic": {"raw": 3, "scale": [1, 5], "score": 50.0}}, **values}
    result = AIInterviewResult.objects.create(application=app, vendor=invitation.vendor, invitation=invitation,
                                              vendor_result_id="R-1", **values)
    return SimpleNamespace(app=app, result=result, invitation=invitation)


def ai_borderline(w):
    return ai_result(w, app_state="ai_review", decision="borderline", move_status="applied")


def ai_on_hold(w):
    return ai_result(w, decision="fail", move_status="held", hold_until=timezone.now() + dt.timedelta(hours=20))


def ai_invited(w):
    """An invitation (Acme, A-1) waiting for its result."""
    o = ai_result(w, app_state="ai_invited")
    o.result.delete()
    return o


# -- notifications, dashboard -------------------------------------------------------------------------------------

def failed_notification(w):
    candidate = CandidateFactory(name="王芳")
    note = notification_create(recipient=candidate.as_recipient(), channel="sms", template_key="generic_message",
                               context={"subject": "提醒", "message": "请带证件", "url": ""},
                               idempotency_key="hospital:notification:1", department=w.org.emergency)
    Notification.objects.filter(pk=note.pk).update(status="failed", failed_at=timezone.now())
    return SimpleNamespace(notification=note, candidate=candidate)


def job(w):
    return SimpleNamespace(job=JobFactory(department=w.org.emergency))
