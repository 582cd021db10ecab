"""The closing loop of the first article, with travelled time (R-ONB-1, R-ONB-2, R-ATT-1..5, R-AI-4):

accept offer -> onboarding case + account scheduled -> start date changed (account moved, notices) -> start date
reached (hr_tick) -> employee created and account active -> night-shift punches across midnight, late uploads,
duplicates, bad signature, unknown device, future timestamp -> lateness computed -> probation flags next to the
AI potential scores -> review reminder -> decision -> exit with an attrition reason.
"""

import datetime as dt
import json

import pytest
from django.utils import timezone

from attendance import selectors as att_selectors
from attendance import services as att_services
from attendance.models import AccountState, AttendanceAccount, DailyResult, ProbationReview, Punch
from candidates.models import Application, State
from employees import selectors as employee_selectors
from employees import services as employee_services
from employees.models import Employee, EmployeeState
from hrsys.core.periodic import run_due_jobs
from interviews.ai.models import AIInterviewResult
from notifications.models import Notification
from onboarding import selectors as onboarding_selectors
from onboarding import services as offer_services
from onboarding.models import OnboardingCase
from tests.ai_interviews.factories import VendorFactory
from tests.attendance.factories import TZ, device_headers, local, night_shift, punch, signed, token_device
from tests.onboarding.factories import PNG, band, interviewing_app, sent_offer

pytestmark = pytest.mark.django_db
URL = "/api/v1/attendance/punches/"


def tick(time_machine, moment):
    time_machine.move_to(moment, tick=False)
    return run_due_jobs(now=timezone.now())


def upload(client, headers, batch):
    return client.post(URL, data=json.dumps({"punches": batch}), content_type="application/json", **headers)


def test_story_offer_to_probation_decision(users, org, client, api_as, time_machine):
    time_machine.move_to(dt.datetime(2025, 11, 3, 2, 0, tzinfo=dt.UTC), tick=False)  # Mon 10:00 Shanghai
    band(org.emergency)
    app = interviewing_app(org.emergency)
    AIInterviewResult.objects.create(application=app, vendor=VendorFactory(), vendor_result_id="R-1",
                                     overall_score=86.0, decision="pass", recommendation="strong",
                                     dimension_scores={"stress_tolerance": {"raw": 4.6, "scale": [1, 5],
                                                                            "score": 92.0}})
    offer = sent_offer(users, app)
    assert offer.start_date == dt.date(2025, 12, 3)

    # accept offer -> onboarding case with checklist + account scheduled, no HR action (R-ONB-1, R-ATT-1)
    offer_services.offer_sign(candidate_id=app.candidate_id, offer_id=offer.pk, typed_name=app.candidate.name,
                              signature_png=PNG, accept_terms=True)
    case = OnboardingCase.objects.get(offer=offer)
    account = AttendanceAccount.objects.get(offer=offer)
    assert account.state == AccountState.SCHEDULED and account.effective_date == dt.date(2025, 12, 3)
    progress = onboarding_selectors.onboarding_progress_for_candidate(app.candidate_id)
    assert progress[0]["total"] == 6 and progress[0]["done"] == 0  # no licence item: not a clinical job
    mine = [i for i in progress[0]["items"] if i["mine"]]
    offer_services.checklist_item_complete_by_candidate(candidate_id=app.candidate_id, item_id=mine[0]["id"])
    assert onboarding_selectors.onboarding_progress_for_candidate(app.candidate_id)[0]["done"] == 1

    # the start date moves: account and due dates follow; candidate and HR told (R-ATT-2)
    r = api_as(users.hr).post(f"/api/v1/attendance/accounts/{account.pk}/reschedule/",
                              {"start_date": "2025-12-08"}, format="json")
    assert r.status_code == 200, r.content
    case.refresh_from_db()
    assert case.start_date == dt.date(2025, 12, 8)
    assert case.items.get(title=mine[1]["title"]).due_date == dt.date(2025, 12, 5)
    moved = Notification.objects.filter(related_type="attendance.attendanceaccount", related_id=str(account.pk))
    assert moved.filter(recipient_type="candidates.candidate").exists()
    assert moved.filter(recipient_type="accounts.user", recipient_id=str(users.hr.pk)).exists()

    # checklist reminders before the first day (R-ONB-2)
    tick(time_machine, local(dt.date(2025, 12, 3), 9))
    assert Notification.objects.filter(related_type="onboarding.onboardingcase",
                                       recipient_type="candidates.candidate").exists()

    # the old start date passes: nothing happens; the new one: employee + active account (R-ONB-1, R-ATT-1)
    tick(time_machine, local(dt.date(2025, 12, 7), 23, 59))
    account.refresh_from_db()
    assert account.state == AccountState.SCHEDULED and not Employee.objects.exists()
    tick(time_machine, local(dt.date(2025, 12, 8), 0, 1))
    account.refresh_from_db()
    employee = Employee.objects.get(case=case)
    assert account.state == AccountState.ACTIVE and account.employee_id == employee.pk
    assert employee.monthly_salary == offer.monthly_salary and employee.start_date == dt.date(2025, 12, 8)
    assert employee.ai_interview["overall_score"] == 86.0 and employee.phone == app.candidate.phone
    assert Application.objects.get(pk=app.pk).state == State.EMPLOYEE

    # night shifts all week, on-call style rotation every day (R-HOSP-1)
    nights = night_shift()
    att_services.shift_assign(actor=users.hr, account_id=account.pk, template_id=nights.pk, start_date="2025-12-08",
                              end_date="2025-12-21")
    device, token = token_device(users.hr, org.emergency)
    headers = device_headers(token)
    days = [dt.date(2025, 12, 8) + dt.timedelta(days=n) for n in range(6)]

    # day one, 20:12: the first punch, uploaded at once
    tick(time_machine, local(days[0], 20, 13))
    assert upload(client, headers, [punch(account, 100, local(days[0], 20, 12), "in")]).json()["accepted"] == 1
    # the rest of the week arrives late (uploaded on the 14th) and out of order, some twice
    tick(time_machine, local(dt.date(2025, 12, 14), 12))
    batch = []
    for n, day in enumerate(days):
        if n:
            batch.append(punch(account, 100 + 2 * n, local(day, 20, 15), "in"))
        batch.append(punch(account, 101 + 2 * n, local(day + dt.timedelta(days=1), 8, 1), "out"))
    batch.reverse()
    body = upload(client, headers, batch + batch[:3]).json()
    assert (body["accepted"], body["duplicate"], body["rejected"]) == (11, 3, 0)
    # bad input: unknown device, bad signature, future timestamp -- nothing counted
    assert upload(client, device_headers("dev_forged"), batch).status_code == 401
    hmac_device, secret = att_services.device_create(actor=users.hr, name="门禁", department_id=org.emergency.pk,
                                                     auth="hmac", kind="door")
    raw, bad = signed(hmac_device, "not the secret", {"punches": batch})
    assert client.post(URL, data=raw, content_type="application/json", **bad).status_code == 401
    future = upload(client, headers, [punch(account, 999, timezone.now() + dt.timedelta(hours=1))]).json()
    assert future["results"][0]["reason"] == "future_timestamp"
    assert Punch.objects.filter(account=account).count() == 12

    # the results sweep computes lateness across midnight (R-ATT-3)
    tick(time_machine, local(dt.date(2025, 12, 15), 0, 30))
    first = DailyResult.objects.get(account=account, work_date=days[0])
    assert (first.status, first.late_minutes, first.last_out) == ("present", 12, local(days[1], 8, 1))
    assert DailyResult.objects.filter(account=account, work_date__in=days, late_minutes__gt=5).count() == 6
    assert DailyResult.objects.get(account=account, work_date=days[0]).worked_minutes == 11 * 60 + 49

    # four leave requests in December (R-ATT-3)
    for day in (16, 17, 18, 19):
        att_services.leave_request_create(actor=users.hr, account_id=account.pk, type="urgent",
                                          start_date=dt.date(2025, 12, day), end_date=dt.date(2025, 12, day))

    # probation flags next to the AI potential (R-ATT-4, R-AI-4)
    row = att_selectors.probation_report(user=users.er_manager, month="2025-12")[0]
    assert row["late"] == 6 and row["leave_requests"] == 4
    assert {"late", "leave_requests"} <= set(row["flags"])
    assert row["ai"]["overall"] == 86.0 and row["ai"]["dimensions"]["stress_tolerance"] == 92.0
    api_rows = api_as(users.er_manager).get("/api/v1/attendance/probation/", {"month": "2025-12"}).json()
    assert api_rows["results"][0]["flags"] == row["flags"] and api_rows["thresholds"]["late"] == 5

    # the review reminder to the manager 14 days before the end (R-ATT-4)
    review = ProbationReview.objects.get(account=account)
    assert review.ends_on == dt.date(2026, 3, 7)
    tick(time_machine, local(dt.date(2026, 2, 21), 9))
    assert Notification.objects.filter(related_type="attendance.probationreview", related_id=str(review.pk),
                                       recipient_id=str(users.er_manager.pk)).exists()

    # the decision, audited and visible to analytics (R-ATT-4)
    r = api_as(users.hr).post(f"/api/v1/attendance/probation/{review.pk}/decide/",
                              {"decision": "pass", "comment": "夜班表现稳定"}, format="json")
    assert r.status_code == 200
    assert att_selectors.probation_outcomes_for_applications([app.pk]) == {app.pk: True}

    # exit: reason recorded, AI data stays linked, the account closes after the last day (R-ATT-5)
    employee_services.employee_exit(actor=users.hr, employee_id=employee.pk, last_day="2026-03-31",
                                    reason="pressure", note="夜班压力大")
    tick(time_machine, local(dt.date(2026, 4, 1), 0, 5))
    account.refresh_from_db()
    assert account.state == AccountState.REVOKED
    leaver = employee_selectors.attrition_list(user=users.director).get()
    assert leaver.state == EmployeeState.LEFT and leaver.attrition_reason == "pressure"
    assert leaver.ai_interview["dimensions"][0]["key"] == "stress_tolerance"
    assert case.offer_id == leaver.offer_id and timezone.localtime(timezone.now(), TZ).date() == dt.date(2026, 4, 1)
