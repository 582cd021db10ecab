"""The scope test generated from the URL conf and the admin registry (R-SEC-1, R-INT-1).

One world (the demo data plus a row of every scoped kind in two organisations), every role the probe used
(admin, director, hr, hr_company, two department managers, an interviewer), every route:

* object routes (API, admin, workspace pages), every method they answer: for an object outside the viewer's
  scope the answer is exactly the answer for an id that does not exist (404 when the viewer holds the
  permission), and for an object inside it, never 404;
* lists, exports and dashboards: 200 or 403, and no candidate name from outside the scope in the body;
* a route the tables below cannot classify fails the test: a new route must say what it is.

Who may see what is decided here by an independent oracle (the department tree walked in Python, the
interview assignments read directly), not by ``hrsys.accounts.scope``.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.db.models import Manager
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from hrsys.accounts.models import Department, User

# One worker builds the world once and runs every role after it (make test runs with --dist loadgroup).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("generated-scope")]

MISSING_PK = 987654321
ROLES = ("admin", "director", "hr", "hr_company", "er_manager", "rnd_manager", "interviewer")


# -- what every route is --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Obj:
    """A route about one object: ``model`` is the scoped model whose pk the URL carries (``kwarg``)."""

    model: str
    kwarg: str = "pk"
    extra: dict = field(default_factory=dict)  # other URL kwargs
    query: str = ""
    #: rows the route is about (a file to download, a result to show); others answer 404 for anyone
    where: dict = field(default_factory=dict)
    #: False where only the row's own person gets the page (an approver's approval): outside checked only
    inside: bool = True


@dataclass(frozen=True)
class Listing:
    """A route that lists people's data: 200 or 403, never a name from outside the scope."""

    kwargs: tuple = ({},)  # one request per kwargs dict
    query: str = ""
    statuses: tuple = (200, 403)


@dataclass(frozen=True)
class Exempt:
    """Not staff data by object id: why (portal sessions, signed machine calls, tokens, the viewer's own)."""

    why: str


PORTAL = Exempt("candidate portal: a candidate session, tested in tests/portal/test_access.py")
TOKEN = Exempt("a secret token in the URL: tested by the owning app")
MACHINE = Exempt("machine client authenticated by signature or device token")
PUBLIC = Exempt("no personal data")
OWN = Exempt("the viewer's own account or a create with no object of another scope")
CAREERS = Exempt("the public careers site: published jobs and the application form, no staff data; tested in "
                 "tests/careers")

MONTH = "month=" + dt.date.today().strftime("%Y-%m")


def _figure_names():
    from dashboard.figures import FIGURES

    return tuple(FIGURES)


FIGURE_NAMES = _figure_names()
DASHBOARD_PAGES = ("funnel", "figures", "sources", "insights", "attrition")

ROUTES: dict[str, object] = {
    "home": PUBLIC, "start": Exempt("a redirect to the viewer's own start page"),
    "admin-login": PUBLIC, "healthz": PUBLIC, "set_language": PUBLIC, "favicon": PUBLIC, "schema": PUBLIC,
    "swagger-ui": PUBLIC,
    "api:auth-token": PUBLIC, "api:me": OWN,
    # the signed-in staff member's own second factor (R-SEC-9; tests/accounts/test_two_factor.py)
    "account-verify": OWN, "account-security": OWN, "notifications:staff-messaging": OWN, "account-enrol": OWN, "account-recovery-codes": OWN,
    "api:staff-list": Listing(query="page_size=200"), "api:staff-export": Listing(query="format=csv"),
    "api:staff-detail": Obj("accounts.user"),
    "api:task-probe-create": OWN, "api:task-probe-detail": Exempt("a platform probe row, no personal data"),
    "api:job-list": Listing(query="page_size=200"), "api:job-detail": Obj("candidates.jobrequisition"),
    "api:candidate-list": Listing(query="page_size=200"), "api:candidate-export": Listing(query="format=csv"),
    "api:candidate-import": OWN,
    "api:candidate-detail": Obj("candidates.candidate"), "api:candidate-merge": Obj("candidates.candidate"),
    "api:candidate-timeline": Obj("candidates.candidate"), "api:resume-upload": Obj("candidates.candidate"),
    "api:resume-detail": Obj("candidates.resume"), "api:resume-confirm": Obj("candidates.resume"),
    "api:resume-file": Obj("candidates.resume"),
    "api:application-list": Listing(query="page_size=200"),
    "api:application-export": Listing(query="format=csv"), "api:application-states": PUBLIC,
    "api:application-detail": Obj("candidates.application"),
    "api:application-transition": Obj("candidates.application", extra={"name": "reject"}),
    "api:application-reactivate": Obj("candidates.application"),
    "api:credential-list": Listing(query="page_size=200"), "api:credential-detail": Obj("candidates.credential"),
    "api:credential-file": Obj("candidates.credential", where={"file__gt": ""}),
    "api:talent-pool-list": Listing(query="page_size=200"),
    "api:talent-pool-tags": Obj("candidates.talentpoolentry"),
    "api:interview-list": Listing(query="page_size=200"), "api:interview-schedule": OWN,
    "api:interview-propose": OWN, "api:interview-batch": OWN,
    "api:interview-batch-detail": Obj("interviews.batchrun"),
    "api:interview-no-shows": Listing(query="page_size=200"),
    "api:busy-block-create": OWN, "api:busy-block-import": OWN,
    "api:feed-token": OWN, "api:feed-token-rotate": OWN,
    "api:join-problem-resolve": Obj("interviews.joinproblem"),
    "api:interview-rebook": TOKEN, "api:interview-could-not-join": TOKEN,
    "api:interview-detail": Obj("interviews.interview"), "api:interview-reschedule": Obj("interviews.interview"),
    "api:interview-cancel": Obj("interviews.interview"), "api:interview-attended": Obj("interviews.interview"),
    "api:interview-no-show": Obj("interviews.interview"), "api:interview-feedback": Obj("interviews.interview"),
    "api:interview-earlier-feedback": Obj("interviews.interview"),
    "api:ai-result-ingest": MACHINE, "api:ai-invitation-create": OWN,
    "api:ai-application-result": Obj("candidates.application", where={"ai_results__isnull": False}),
    "api:ai-vendor-list": Exempt("AI vendor configuration, no personal data, administrator only; tested in "
                                 "tests/ai_interviews/test_config_api.py"),
    "api:ai-vendor-detail": Exempt("AI vendor configuration, no personal data, administrator only; tested in "
                                   "tests/ai_interviews/test_config_api.py"),
    "api:ai-job-policy-list": Listing(query="page_size=200"),
    "api:ai-job-policy-detail": Obj("ai_interviews.jobaipolicy"),
    "api:ai-question-list": Listing(query="page_size=200"),
    "api:ai-question-detail": Obj("ai_interviews.question", where={"organisation__isnull": False}),
    "api:ai-follow-up-questions": Obj("candidates.application", where={"ai_results__isnull": False}),
    "api:ai-question-asked": Obj("candidates.application"),
    "api:ai-review-queue": Listing(query="page_size=200"),
    "api:ai-hold-cancel": Obj("ai_interviews.aiinterviewresult"),
    "api:ai-review-decide": Obj("ai_interviews.aiinterviewresult"),
    "api:ai-media-upload": Obj("ai_interviews.aiinterviewresult"),
    "api:ai-media-stream": Obj("ai_interviews.aimedia", where={"file__gt": ""}),
    "api:ai-result-import": OWN, "api:ai-question-stats": Listing(statuses=(200, 404)),
    "api:twilio-status": MACHINE, "api:twilio-voice-gather": MACHINE,
    "api:notification-list": Listing(query="page_size=200"),
    "api:event-subscription-list": Listing(query="page_size=200"),
    "api:event-delivery-list": Listing(query="page_size=200"),
    # the configuration API (R-INT-4)
    "api:department-list": Listing(query="page_size=200"), "api:department-detail": Obj("accounts.department"),
    "api:attendance-device-list": Listing(query="page_size=200"),
    "api:attendance-device-detail": Obj("attendance.device"),
    "api:attendance-device-deactivate": Obj("attendance.device"),
    "api:attendance-device-rotate-credential": Obj("attendance.device"),
    "api:attendance-shift-template-list": Listing(query="page_size=200"),
    "api:attendance-shift-template-detail": Exempt("shift templates: one set for the installation, no "
                                                   "department; permission-gated (tests/platform/test_config_api.py)"),
    "api:attendance-door-group-list": Listing(query="page_size=200"),
    "api:attendance-door-group-detail": Obj("attendance.dooraccessgroup"),
    "api:pay-band-list": Listing(query="page_size=200"), "api:pay-band-detail": Obj("onboarding.payband"),
    "api:offer-template-list": Listing(query="page_size=200"),
    "api:offer-template-detail": Obj("onboarding.offertemplate"),
    "api:checklist-template-list": Listing(query="page_size=200"),
    "api:checklist-template-detail": Obj("onboarding.checklisttemplate"),
    "api:reminder-policy-list": Listing(query="page_size=200"),
    "api:reminder-policy-detail": Obj("interviews.reminderpolicy"),
    "api:room-list": Listing(query="page_size=200"), "api:room-detail": Obj("interviews.room"),
    "api:event-subscription-detail": Obj("events.subscription"),
    "api:notification-failed": Listing(query="page_size=200"),
    "api:notification-evidence": Exempt("needs a candidate id in the query: tested in tests/notifications"),
    "api:notification-detail": Obj("notifications.notification"),
    "api:notification-requeue": Obj("notifications.notification"),
    "api:offer-list": Listing(query="page_size=200"), "api:offer-create": OWN,
    "api:offer-detail": Obj("onboarding.offer"), "api:offer-verify": Obj("onboarding.offer"),
    "api:offer-transition": Obj("onboarding.offer", extra={"name": "withdraw"}),
    "api:offer-approval-decide": Obj("onboarding.offerapproval"),
    "api:onboarding-case-list": Listing(query="page_size=200"),
    "api:onboarding-case-detail": Obj("onboarding.onboardingcase"),
    "api:onboarding-case-reschedule": Obj("onboarding.onboardingcase"),
    "api:onboarding-case-cancel": Obj("onboarding.onboardingcase"),
    "api:onboarding-checklist-item-complete": Obj("onboarding.checklistitem"),
    "api:employee-list": Listing(query="page_size=200"), "api:employee-detail": Obj("employees.employee"),
    "api:employee-exit": Obj("employees.employee"),
    "api:attendance-punches": MACHINE, "api:attendance-device-accounts": MACHINE,
    "api:attendance-account-list": Listing(query="page_size=200"),
    "api:attendance-account-reschedule": Obj("attendance.attendanceaccount"),
    "api:attendance-account-revoke": Obj("attendance.attendanceaccount"),
    "api:attendance-shift-assign": OWN, "api:attendance-leave-create": OWN,
    "api:attendance-leave-decide": Obj("attendance.leaverequest"),
    "api:attendance-probation-report": Listing(query=MONTH),
    "api:attendance-probation-decide": Obj("attendance.probationreview"),
    "api:attendance-monthly-report": Listing(query=MONTH),
    "api:attendance-punch-import": Obj("attendance.device"),
    "api:dashboard-figure-list": PUBLIC,
    "api:dashboard-figure": Listing(kwargs=tuple({"name": n} for n in FIGURE_NAMES)),
    "api:dashboard-costs": Listing(),
    "portal:home": PORTAL, "portal:link": PORTAL, "portal:login": PORTAL, "portal:logout": PORTAL,
    "portal:interview": PORTAL, "portal:reschedule": PORTAL, "portal:withdraw": PORTAL, "portal:offer": PORTAL,
    "portal:offer-letter": PORTAL, "portal:offer-sign": PORTAL, "portal:offer-decline": PORTAL,
    "portal:onboarding": PORTAL, "portal:upload": PORTAL, "portal:checklist-item-done": PORTAL,
    "portal:privacy": PORTAL, "portal:language": PORTAL, "portal:data-copy-request": PORTAL,
    "portal:data-deletion-request": PORTAL, "portal:data-copy-download": PORTAL,
    "careers:index": CAREERS, "careers:privacy": CAREERS, "careers:job": CAREERS, "careers:apply": CAREERS,
    "careers:applied": CAREERS, "careers:organization": CAREERS,
    "api:public-job-list": CAREERS, "api:public-job-detail": CAREERS, "api:public-application-create": CAREERS,
    "dashboard:home": Listing(),
    "dashboard:export": Listing(kwargs=tuple({"name": n} for n in FIGURE_NAMES), query="format=csv"),
    "dashboard:page": Listing(kwargs=tuple({"page": p} for p in DASHBOARD_PAGES)),
    "interviews:rebook": TOKEN, "interviews:confirm": TOKEN, "interviews:could-not-join": TOKEN,
    "interviews:feed": TOKEN, "interviews:calendar-feed": OWN, "interviews:mine": Listing(),
    "interviews:calendar": Listing(),  # the viewer's default week (chosen objects: tests/interviews/test_calendar.py)
    # batch scheduling (R-UI-4): without ?job= the job picker; ?job=<id> outside the scope is 404
    # (tests/interviews/test_batch_views.py); a run's page and its progress JSON by the run's id
    "interviews:batch": Listing(), "interviews:batch-run": Obj("interviews.batchrun", kwarg="run_id"),
    "interviews:batch-progress": Obj("interviews.batchrun", kwarg="run_id"),
    "interviews:calendar-feed-of": Obj("accounts.user", kwarg="user_id", inside=False),
    # interview actions of the application page (R-UI-2); attended / no-show are POST only (a GET is 405)
    "interviews:schedule": Obj("candidates.application"), "interviews:reschedule": Obj("interviews.interview"),
    "interviews:cancel": Obj("interviews.interview"), "interviews:attended": Obj("interviews.interview"),
    "interviews:no-show": Obj("interviews.interview"), "interviews:no-show-rebook": Obj("interviews.interview"),
    "interviews:scorecard": Obj("interviews.interview"),  # in scope: read-only unless on the panel (POST 403)
    "onboarding:approval-list": Listing(),
    "board:jobs": Listing(), "board:board": Obj("candidates.jobrequisition"),
    "board:move": Obj("candidates.application", inside=False),  # POST only: a GET is 405 for everyone
    "board:application": Obj("candidates.application"),
    "board:application-reveal": Obj("candidates.application", inside=False),  # POST only; 403 without the right
    "onboarding:approval": Obj("onboarding.offerapproval", inside=False),
    "notifications:open-pixel": TOKEN, "notifications:tracked-link": TOKEN,
}

#: Admin views beyond the generated add / change / delete / history / changelist of each model.
ADMIN_ROUTES: dict[str, object] = {
    "admin:index": PUBLIC, "admin:login": PUBLIC, "admin:logout": PUBLIC, "admin:password_change": OWN,
    "admin:password_change_done": OWN, "admin:jsi18n": PUBLIC, "admin:view_on_site": PUBLIC,
    "admin:autocomplete": Exempt("answers only for a scoped admin's own queryset (get_queryset)"),
    "admin:app_list": PUBLIC,
    "admin:attendance_monthly_report": Listing(query=MONTH),
    "admin:audit_accesslog_report": Listing(),  # who looked at whom (R-SEC-7); tests/platform/test_access_report.py
    "admin:attendance_probation_decide": Obj("attendance.probationreview"),
    "admin:candidates_candidate_import": OWN,
    "admin:candidates_application_diagram": PUBLIC,
    "admin:candidates_application_transition": Obj("candidates.application", extra={"name": "reject"},
                                                   inside=False),  # POST only: a GET is 404 for everyone
    "admin:auth_user_password_change": Obj("accounts.user", kwarg="id"),
    "admin:accounts_user_two_factor_reset": Obj("accounts.user"),  # a system administrator's; 403 for others
    "dev_outbox:list": Exempt("console-backend messages for local use, staff with notification permission"),
    "dev_outbox:file": Exempt("console-backend messages for local use, staff with notification permission"),
    "admin:candidates_resume_file": Obj("candidates.resume", where={"file__gt": ""}),
    "admin:candidates_credential_file": Obj("candidates.credential", where={"file__gt": ""}),
    "admin:notifications_messagetemplate_preview": PUBLIC,
    "admin:onboarding_offer_desk": Obj("onboarding.offer"),
    "admin:ai_interviews_result_import": OWN,
    # data subject requests (R-SEC-6): the actions are POST only (a GET is 404 for everyone); the copy download
    # answers only for a prepared copy
    "admin:portal_subjectrequest_prepare": Obj("portal.subjectrequest", inside=False),
    "admin:portal_subjectrequest_delete_data": Obj("portal.subjectrequest", inside=False),
    "admin:portal_subjectrequest_refuse": Obj("portal.subjectrequest", inside=False),
    "admin:portal_subjectrequest_copy": Obj("portal.subjectrequest", where={"copy_file__gt": ""}),
}

#: Registered admin models that hold no people's data (configuration and machine logs, permission-gated).
UNSCOPED_ADMIN_MODELS = {
    "candidates.tag", "notifications.messagetemplate", "notifications.escalationpolicy", "onboarding.offertemplate",
    "onboarding.checklisttemplate", "attendance.shifttemplate", "dashboard.attritionmodel", "core.tickrun",
    "ai_interviews.vendor", "ai_interviews.rejecteddelivery", "ai_interviews.delivery", "audit.auditevent",
    "audit.accesslog", "ai_interviews.question", "axes.accessattempt", "axes.accessfailurelog", "axes.accesslog",
    "django_celery_beat.periodictask", "auth.group", "authtoken.tokenproxy", "notifications.providercircuit",
    "privacy.retentionsweep",  # counts per data class only (R-SEC-5)
}


# -- the world ------------------------------------------------------------------------------------------------

def _walk(patterns, prefix="", namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = p.name or ""
            yield prefix + str(p.pattern), (f"{namespace}:{name}" if namespace else name), p


def _supplement_world():
    """A row of every scoped kind the demo leaves empty, in the hospital's emergency department and in the
    company's R&D centre, so that every object route has an object inside and outside each viewer's scope."""
    from attendance.models import (
        AttendanceAccount,
        DailyResult,
        Device,
        DoorAccessGroup,
        LeaveRequest,
        ProbationReview,
        ProvisioningDelivery,
        Punch,
        PunchRejection,
        ShiftAssignment,
        ShiftTemplate,
    )
    from candidates.models import Application, LegalHold, PrivacyNotice
    from dashboard.models import CostRecord, NotificationDaily
    from employees.models import Employee
    from hrsys.events.models import Delivery as EventDelivery
    from hrsys.events.models import DeliveryAttempt, Event, Subscription
    from hrsys.privacy.models import RetentionPolicy
    from interviews.ai.models import AIInterviewResult, AIMedia, CandidatePreferences, Question
    from interviews.models import (
        BatchRun,
        BusyBlock,
        Interview,
        InterviewerProfile,
        InterviewFeedback,
        JoinProblem,
        RebookingOffer,
        ReminderPolicy,
        Room,
    )
    from notifications.models import CandidateAction, DeliveryReceipt, Notification, StaffMessaging
    from onboarding.models import (
        CandidateDocument,
        ChecklistTemplate,
        Offer,
        OfferTemplate,
        OnboardingCase,
        OnboardingInfo,
        PayBand,
    )
    from portal.models import SubjectRequest

    now = timezone.now()
    today = timezone.localdate()
    interviewer = User.objects.get(username="interviewer")
    for code in ("emergency", "rnd"):
        dept = Department.objects.get(code=code)
        app = (Application.objects.filter(job__department=dept, ai_results__isnull=False)
               .order_by("pk").first())
        job = app.job
        rnd = job.rounds.order_by("order").first()
        interview = Interview.objects.create(application=app, round=rnd, starts_at=now - dt.timedelta(hours=3),
                                             ends_at=now - dt.timedelta(hours=2), ical_uid=f"scope-{code}@test")
        staff = User.objects.filter(departments=dept).first()
        interview.interviewers.set([interviewer] if code == "emergency" else [staff])
        InterviewFeedback.objects.create(interview=interview, interviewer=staff or interviewer,
                                         recommendation="yes")
        JoinProblem.objects.create(interview=interview, reason="network")
        Room.objects.create(name=f"room-{code}", department=dept)
        BusyBlock.objects.create(user=staff, starts_at=now, ends_at=now + dt.timedelta(hours=1))
        BatchRun.objects.create(job=job, round=rnd, period_start=now, period_end=now + dt.timedelta(days=5))
        result = AIInterviewResult.objects.filter(application=app).first()
        AIMedia.objects.create(result=result, kind="video")
        CandidatePreferences.objects.get_or_create(application=app)
        Question.objects.create(organisation=dept.organization(), text=f"scope question {code}", dimension="logic")
        offer = Offer.objects.filter(application__job__department=dept).first() or Offer.objects.create(
            application=app, monthly_salary="10000", start_date=today, valid_until=today)
        case = OnboardingCase.objects.filter(department=dept).first() or OnboardingCase.objects.create(
            offer=offer, application=offer.application, candidate=offer.application.candidate, department=dept,
            start_date=today)
        Employee.objects.filter(case=case).exists() or Employee.objects.create(
            case=case, candidate=case.candidate, application=case.application, offer=case.offer, department=dept,
            name=case.candidate.name, job_title=job.title, monthly_salary="10000", start_date=today)
        account = AttendanceAccount.objects.filter(department=dept).first() or AttendanceAccount.objects.create(
            department=dept, holder_name=case.candidate.name, effective_date=today)
        LeaveRequest.objects.create(account=account, type="annual", start_date=today, end_date=today)
        ProbationReview.objects.get_or_create(account=account, defaults={
            "department": dept, "starts_on": today - dt.timedelta(days=90), "ends_on": today})
        ShiftAssignment.objects.create(account=account, template=ShiftTemplate.objects.first(), start_date=today)
        device = Device.objects.filter(department=dept).first() or Device.objects.create(
            department=dept, name=f"clock-{code}")
        PunchRejection.objects.create(device=device, reason="unknown_account")
        CostRecord.objects.create(department=dept, kind="advertising", month=today.replace(day=1), amount=100)
        DoorAccessGroup.objects.create(department=dept, code=f"door-{code}", name=f"door {code}")
        PayBand.objects.get_or_create(department=dept, job_level="scope", defaults={
            "minimum": 1, "midpoint": 2, "maximum": 3})
        OfferTemplate.objects.create(name=f"offer-{code}", department=dept)
        ChecklistTemplate.objects.create(name=f"checklist-{code}", department=dept)
        ReminderPolicy.objects.get_or_create(job=job, defaults={"steps": []})
        ProvisioningDelivery.objects.create(device=device, account=account, action="create")
        NotificationDaily.objects.get_or_create(department=dept, day=today, channel="sms")
        RebookingOffer.objects.create(interview=interview, expires_at=now + dt.timedelta(days=2))
        notification = Notification.objects.filter(department=dept).first()
        DeliveryReceipt.objects.create(notification=notification, provider_status="delivered", payload="{}",
                                       digest=f"scope-{code}")
        CandidateDocument.objects.create(candidate=app.candidate, kind="photo", file=f"scope/{code}.png",
                                         content_type="image/png", size=1, sha256="0" * 64)
        OnboardingInfo.objects.get_or_create(candidate=app.candidate)
        Punch.objects.create(device=device, account=account, dedup_key=f"scope-{code}", punched_at=now)
        DailyResult.objects.get_or_create(account=account, work_date=today - dt.timedelta(days=40),
                                          defaults={"department": dept})
        InterviewerProfile.objects.get_or_create(user=staff)
        StaffMessaging.objects.get_or_create(user=staff)  # their choice of WeCom / DingTalk (R-CN-2)
        CandidateAction.objects.create(recipient_type="candidates.candidate", recipient_id=str(app.candidate_id),
                                       kind="link_open", department=dept)
        subscription = Subscription.objects.create(organisation=dept.organization(), name=f"hook-{code}",
                                                   url=f"https://hooks.example.org/{code}", secret="s" * 20,
                                                   event_types=["application.created"])
        event = Event.objects.create(type="application.created", organisation=dept.organization(), body="{}")
        delivery = EventDelivery.objects.create(event=event, subscription=subscription)
        DeliveryAttempt.objects.create(delivery=delivery, number=1, started_at=now, outcome="delivered")
        # retention (R-SEC-5): a legal hold on the application's candidate, a period of the organisation
        LegalHold.objects.create(candidate=app.candidate, reason=f"scope-{code}")
        RetentionPolicy.objects.get_or_create(organization=dept.organization(), data_class="resumes",
                                              defaults={"days": 90})
        # privacy notices and consent (R-SEC-5): a published notice of the organisation, the candidate's consent
        from candidates.consent import consent_give

        if not PrivacyNotice.objects.filter(organization=dept.organization()).exists():
            PrivacyNotice.objects.create(organization=dept.organization(), version=2, text_zh_hans=f"告知书 {code}",
                                         text_en=f"notice {code}", published_at=now)
        consent_give(candidate_id=app.candidate_id, organization_id=dept.organization_pk, purposes=["talent_pool"],
                     channel="staff")
        # data subject requests (R-SEC-6): one open request of the application's candidate
        SubjectRequest.objects.get_or_create(candidate=app.candidate, kind="deletion", state="open",
                                             defaults={"due_at": now + dt.timedelta(days=15)})
        prepared = SubjectRequest(candidate=app.candidate, kind="copy", state="done", due_at=now,
                                  copy_expires_at=now + dt.timedelta(days=7))
        prepared.copy_file.save(f"scope-{code}.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18), save=True)


# -- the oracle: who may see what, computed without hrsys.accounts.scope -------------------------------------

def _follow(obj, path):
    objs = [obj]
    for name in filter(None, path.split("__")):
        nxt = []
        for o in objs:
            value = o.pk if name == "pk" else getattr(o, name)
            if isinstance(value, Manager):
                nxt.extend(value.all())
            elif value is not None:
                nxt.append(value)
        objs = nxt
    return objs


class Oracle:
    def __init__(self, user):
        self.user = user
        self.everything = user.is_superuser or user.role in ("hr_director", "sysadmin")
        roots = [d.pk for d in user.departments.all()] if user.role in ("hr_staff", "manager") else []
        self.departments = {d.pk for d in Department.objects.all()
                            if any(f"/{r}/" in d.path for r in roots)}
        self.assigned_apps = set(
            User.objects.get(pk=user.pk).interviews.values_list("application_id", flat=True))

    def sees(self, obj) -> bool:
        if self.everything:
            return True
        model = type(obj)
        for anchor in _follow(obj, model.scope_path):
            if isinstance(anchor, Department):
                if anchor.pk in self.departments:
                    return True
            elif anchor.job.department_id in self.departments:
                return True
            elif getattr(model, "scope_interviewers", False) and anchor.pk in self.assigned_apps:
                return True
        owner = getattr(model, "scope_owner", None)
        return bool(owner) and any(getattr(o, "pk", o) == self.user.pk for o in _follow(obj, owner))

    def foreign_names(self) -> set[str]:
        from candidates.models import Candidate

        seen, unseen = set(), set()
        for candidate in Candidate.objects.prefetch_related("applications__job"):
            (seen if self.sees(candidate) else unseen).add(candidate.name)
        return {n for n in unseen - seen if len(n) >= 2 and not any(n in s for s in seen)}


# -- the test --------------------------------------------------------------------------------------------------

def _model(label):
    from django.apps import apps

    return apps.get_model(label)


def _methods(pattern) -> list[str]:
    view = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
    if view is None:
        return ["get", "post"]
    return [m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)]


def _client(user, api):
    if api:
        client = APIClient()
        client.force_authenticate(user)
        return client
    client = Client()
    client.force_login(user)
    return client


def _request(client, method, url):
    return getattr(client, method)(url, **({"data": {}} if method != "get" else {}))


def _all_routes():
    routes = []
    for route, name, pattern in _walk(get_resolver().url_patterns):
        routes.append((route, name, pattern))
    return routes


def _admin_spec(name):
    """Generated admin views: ``admin:<app>_<model>_<view>``."""
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        view = name.removeprefix(prefix)
        if view == name or view not in ("changelist", "add", "change", "delete", "history"):
            continue
        label = model._meta.label_lower
        if label in UNSCOPED_ADMIN_MODELS:
            return Exempt("configuration or machine log, permission-gated")
        if getattr(model, "scope_path", None) is None:
            return None
        if view == "changelist":
            return Listing()
        if view == "add":
            return OWN
        return Obj(label, kwarg="object_id")
    return None


def _classified_routes():
    unclassified, specs = [], []
    for route, name, pattern in _all_routes():
        if not name.rpartition(":")[2] and (route in ("favicon.ico", "admin/(?P<url>.*)$")
                                            or route.endswith("<path:object_id>/")):
            continue  # the favicon; the admin's redirects (/<id>/ to /<id>/change/, the catch-all to login)
        spec = ROUTES.get(name) or ADMIN_ROUTES.get(name) or (_admin_spec(name) if name.startswith("admin:")
                                                             else None)
        if spec is None:
            unclassified.append(f"{name or '(unnamed)'}  /{route}")
            continue
        specs.append((route, name, pattern, spec))
    return unclassified, specs


def test_r_sec_1_every_route_and_admin_model_is_classified():
    """R-SEC-1: a new route (or admin model) that the tables above cannot classify fails here."""
    unclassified, _specs = _classified_routes()
    assert not unclassified, "routes the scope test cannot classify (add them to ROUTES):\n" + "\n".join(
        sorted(unclassified))
    for model in admin.site._registry:
        label = model._meta.label_lower
        assert getattr(model, "scope_path", None) is not None or label in UNSCOPED_ADMIN_MODELS, label
    for label in {spec.model for _r, _n, _p, spec in _specs if isinstance(spec, Obj)}:
        assert getattr(_model(label), "scope_path", None) is not None, f"{label} declares no scope_path"


@pytest.fixture(scope="module")
def world_media(tmp_path_factory):
    return str(tmp_path_factory.mktemp("scope-media"))


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, world_media):
    """The module's world keeps its files in one folder for all its tests (replaces the per-test folder)."""
    settings.MEDIA_ROOT = world_media


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, world_media):
    """The demo plus the supplement, built once for the module inside a transaction rolled back at its end
    (each test runs in a savepoint of it), so no other test sees these rows."""
    from django.test import override_settings

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=world_media):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            # the demo's small story: people in every scope and stage (the year of figures is not needed here)
            call_command("seed_demo", "--story", "small", stdout=io.StringIO())
            _supplement_world()
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.mark.parametrize("username", ROLES)
def test_r_sec_1_every_route_answers_within_the_viewers_scope(world, username):
    """R-SEC-1: for this role, every object route answers for an object outside the scope exactly as for an id
    that does not exist, never 404 inside it; lists, exports and dashboards name no one outside it."""
    from django.urls import reverse

    _unclassified, specs = _classified_routes()
    violations: list[str] = []
    user = User.objects.get(username=username)
    oracle = Oracle(user)
    foreign = oracle.foreign_names()
    if not oracle.everything:
        assert foreign, f"{username}: the world has no candidate outside the scope"
    outside_tried = set()
    for route, name, pattern, spec in specs:
        client = _client(user, api=route.startswith("api/"))
        if isinstance(spec, Listing):
            for kwargs in spec.kwargs:
                url = reverse(name, kwargs=kwargs) + (f"?{spec.query}" if spec.query else "")
                response = client.get(url)
                if response.status_code not in spec.statuses:
                    violations.append(f"GET {url}: {response.status_code} (expected {spec.statuses})")
                    continue
                body = b"".join(response.streaming_content) if response.streaming else response.content
                text = body.decode("utf-8", "replace")
                leaked = sorted(n for n in foreign if n in text)
                if leaked:
                    violations.append(f"GET {url}: names from outside the scope: {leaked[:5]}")
        elif isinstance(spec, Obj):
            rows = list(_model(spec.model)._base_manager.filter(**spec.where).distinct().order_by("pk"))
            inside = next((r for r in rows if oracle.sees(r)), None)
            outside = next((r for r in rows if not oracle.sees(r)), None)

            def url_for(pk, _spec=spec, _name=name):
                return reverse(_name, kwargs={_spec.kwarg: pk, **_spec.extra}) + (
                    f"?{_spec.query}" if _spec.query else "")

            for method in _methods(pattern) or ["get"]:
                missing = _request(client, method, url_for(MISSING_PK)).status_code
                if outside is not None:
                    outside_tried.add(name)
                    got = _request(client, method, url_for(outside.pk)).status_code
                    if got != missing:
                        violations.append(f"{method.upper()} {url_for(outside.pk)} (outside): {got}, "
                                          f"but {missing} for an id that does not exist")
                if spec.inside and inside is not None and method == "get" and missing == 404:
                    got = _request(client, "get", url_for(inside.pk)).status_code
                    if got == 404 or got >= 500:
                        violations.append(f"GET {url_for(inside.pk)} (inside): {got}")
    assert not violations, f"{username}: {len(violations)} scope violations:\n" + "\n".join(violations)
    if not oracle.everything:
        never = sorted(n for _r, n, _p, spec in specs if isinstance(spec, Obj) and n not in outside_tried
                       and not spec.where)
        assert not never, f"{username}: object routes with no object outside the scope in the world: {never}"
