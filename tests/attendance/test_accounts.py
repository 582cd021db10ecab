"""Attendance accounts: scheduled from the accepted offer, moved with the start date (notices), activated on the
start date by the sweep, revoked for withdrawals, suspended for day-one no-shows; devices pull the changes (R-ATT-1, R-ATT-2)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from attendance import services
from attendance.models import AccountState, AttendanceAccount, ProbationReview
from candidates.models import State
from hrsys.api.errors import Conflict
from hrsys.audit.models import AuditEvent
from hrsys.core.periodic import run_due_jobs
from notifications.models import Notification
from onboarding import services as offer_services
from tests.attendance.factories import device_headers, local, token_device
from tests.onboarding.factories import PNG, band, interviewing_app, sent_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(users, org):
    band(org.emergency)
    app = interviewing_app(org.emergency)
    offer = sent_offer(users, app)
    offer_services.offer_sign(candidate_id=app.candidate_id, offer_id=offer.pk, typed_name=app.candidate.name,
                              signature_png=PNG, accept_terms=True)
    offer.refresh_from_db()
    return offer


def test_r_att_1_accepting_schedules_account_with_door_groups(accepted, org):
    account = services.attendance_account_schedule_for_offer(offer_id=accepted.pk)
    assert account.state == AccountState.SCHEDULED and account.effective_date == accepted.start_date
    assert account.clock_id == f"{account.pk:08d}"
    assert account.door_groups == ["dept:hosp", "dept:er"]
    assert account.department == org.emergency and account.application_id == accepted.application_id
    # idempotent
    assert services.attendance_account_schedule_for_offer(offer_id=accepted.pk).pk == account.pk
    assert AttendanceAccount.objects.count() == 1


def test_r_att_1_only_accepted_offers_schedule(users, org):
    band(org.emergency)
    offer = sent_offer(users, interviewing_app(org.emergency))
    with pytest.raises(Conflict):
        services.attendance_account_schedule_for_offer(offer_id=offer.pk)


def test_r_att_2_reschedule_moves_date_and_tells_candidate_and_hr(accepted, users):
    account = services.attendance_account_schedule_for_offer(offer_id=accepted.pk)
    new = accepted.start_date + dt.timedelta(days=7)
    services.attendance_account_reschedule(actor=users.hr, offer_id=accepted.pk, start_date=new)
    account.refresh_from_db()
    assert account.effective_date == new
    notes = Notification.objects.filter(related_type="attendance.attendanceaccount", related_id=str(account.pk))
    assert notes.filter(recipient_type="candidates.candidate", channel="sms").exists()
    assert notes.filter(recipient_type="accounts.user", recipient_id=str(users.hr.pk)).exists()
    assert AuditEvent.objects.filter(action="attendance.account.reschedule", object_id=str(account.pk)).exists()


def test_r_att_2_start_date_in_past_400(accepted, users, api_as):
    account = services.attendance_account_schedule_for_offer(offer_id=accepted.pk)
    r = api_as(users.hr).post(f"/api/v1/attendance/accounts/{account.pk}/reschedule/",
                              {"start_date": str(timezone.localdate() - dt.timedelta(days=1))}, format="json")
    assert r.status_code == 400 and "start_date" in r.json()["error"]["fields"]
    r = api_as(users.it_manager).post(f"/api/v1/attendance/accounts/{account.pk}/reschedule/",
                                      {"start_date": str(timezone.localdate() + dt.timedelta(days=3))},
                                      format="json")
    assert r.status_code == 403  # managers may not move accounts (other departments: tests/platform/test_write_scope.py)


def test_r_att_1_activation_sweep_on_start_date(accepted, time_machine):
    account = services.attendance_account_schedule_for_offer(offer_id=accepted.pk)
    time_machine.move_to(local(accepted.start_date - dt.timedelta(days=1), 23, 50))
    run_due_jobs(now=timezone.now(), only=["attendance.activate_accounts"])
    account.refresh_from_db()
    assert account.state == AccountState.SCHEDULED
    time_machine.move_to(local(accepted.start_date, 0, 1))
    run_due_jobs(now=timezone.now(), only=["attendance.activate_accounts"])
    account.refresh_from_db()
    assert account.state == AccountState.ACTIVE and account.activated_at is not None
    review = ProbationReview.objects.get(account=account)
    assert review.starts_on == accepted.start_date and review.application_id == accepted.application_id
    with pytest.raises(Conflict):
        services.attendance_account_reschedule(actor="hr_tick", account_id=account.pk,
                                               start_date=accepted.start_date + dt.timedelta(days=3))


def test_r_att_2_withdrawn_candidate_revokes(accepted, users):
    account = services.attendance_account_schedule_for_offer(offer_id=accepted.pk)
    from candidates.services import application_transition

    application_transition(actor=users.hr, application_id=accepted.application_id, transition="withdraw",
                           reason="took another job")
    assert accepted.application.__class__.objects.get(pk=accepted.application_id).state == State.WITHDRAWN
    run_due_jobs(now=timezone.now(), only=["attendance.revoke_orphaned_accounts"])
    account.refresh_from_db()
    assert account.state == AccountState.REVOKED and "withdr" in account.revoke_reason


def test_r_att_2_day_one_no_show_suspends_tells_hr_and_can_be_undone(accepted, users, time_machine):
    account = services.attendance_account_schedule_for_offer(offer_id=accepted.pk)
    time_machine.move_to(local(accepted.start_date, 7, 0))
    run_due_jobs(now=timezone.now(), only=["attendance.activate_accounts"])
    time_machine.move_to(local(accepted.start_date + dt.timedelta(days=1), 11, 0))
    run_due_jobs(now=timezone.now(), only=["attendance.day_one_no_shows"])
    account.refresh_from_db()
    assert account.state == AccountState.ACTIVE
    time_machine.move_to(local(accepted.start_date + dt.timedelta(days=1), 12, 1))
    run_due_jobs(now=timezone.now(), only=["attendance.day_one_no_shows"])
    account.refresh_from_db()
    assert account.state == AccountState.SUSPENDED and account.no_show  # reversible: doors closed for now
    alert = Notification.objects.filter(idempotency_key__startswith=f"attendance:account:{account.pk}:no_show").first()
    assert alert is not None and "恢复账号" in alert.body  # in HR's language: resume, or record the exit
    # she came but forgot to clock in: HR resumes, and the sweep does not suspend her again
    services.attendance_account_resume(actor=users.hr, account_id=account.pk)
    time_machine.move_to(local(accepted.start_date + dt.timedelta(days=1), 13, 0))
    run_due_jobs(now=timezone.now(), only=["attendance.day_one_no_shows"])
    account.refresh_from_db()
    assert account.state == AccountState.ACTIVE


def test_illegal_transitions_raise(org):
    account = AttendanceAccount(department=org.emergency, holder_name="x", effective_date=timezone.localdate())
    for name in ("suspend", "resume"):
        with pytest.raises(TransitionNotAllowed):
            getattr(account, name)()
    revoked = AttendanceAccount(department=org.emergency, holder_name="x", effective_date=timezone.localdate(),
                                state=AccountState.REVOKED)
    for name in ("activate", "suspend", "resume", "revoke"):
        with pytest.raises(TransitionNotAllowed):
            getattr(revoked, name)()
    with pytest.raises(AttributeError):
        account.state = AccountState.ACTIVE  # protected


def test_suspend_resume_and_exit(users, org, time_machine):
    from tests.attendance.factories import active_account

    account = active_account(org.emergency)
    services.attendance_account_suspend(actor=users.hr, account_id=account.pk, reason="investigation")
    with pytest.raises(Conflict):
        services.attendance_account_suspend(actor=users.hr, account_id=account.pk, reason="again")
    services.attendance_account_resume(actor=users.hr, account_id=account.pk)
    last = timezone.localdate() + dt.timedelta(days=2)
    services.attendance_account_close(actor=users.hr, account_id=account.pk, last_day=last, reason="resigned")
    run_due_jobs(now=timezone.now(), only=["attendance.close_exited_accounts"])
    account.refresh_from_db()
    assert account.state == AccountState.ACTIVE
    time_machine.move_to(local(last + dt.timedelta(days=1), 0, 5))
    run_due_jobs(now=timezone.now(), only=["attendance.close_exited_accounts"])
    account.refresh_from_db()
    assert account.state == AccountState.REVOKED
    with pytest.raises(ValidationError):
        services.attendance_account_revoke(actor=users.hr, account_id=account.pk, reason="")


def test_r_att_1_devices_pull_changes_since_cursor(users, org, client, time_machine):
    from tests.attendance.factories import active_account

    device, token = token_device(users.hr, org.emergency)
    a = active_account(org.emergency, name="甲")
    b = active_account(org.ward, name="乙")  # a ward below the emergency department
    active_account(org.it, name="丙")  # another department: not this device's
    r = client.get("/api/v1/attendance/device/accounts/", **device_headers(token))
    body = r.json()
    assert [x["clock_id"] for x in body["accounts"]] == [a.clock_id, b.clock_id]
    cursor = body["cursor"]
    # changes of the last two minutes are sent again (a late commit is never skipped); then they settle
    again = client.get("/api/v1/attendance/device/accounts/", {"cursor": cursor}, **device_headers(token)).json()
    assert [x["clock_id"] for x in again["accounts"]] == [a.clock_id, b.clock_id]
    time_machine.move_to(timezone.now() + dt.timedelta(minutes=3))
    settled = client.get("/api/v1/attendance/device/accounts/", {"cursor": again["cursor"]},
                         **device_headers(token)).json()
    assert [x["clock_id"] for x in settled["accounts"]] == [a.clock_id, b.clock_id]
    cursor = settled["cursor"]
    assert client.get("/api/v1/attendance/device/accounts/", {"cursor": cursor},
                      **device_headers(token)).json()["accounts"] == []
    time_machine.move_to(timezone.now() + dt.timedelta(minutes=5))
    services.attendance_account_revoke(actor=users.hr, account_id=a.pk, reason="left")
    changed = client.get("/api/v1/attendance/device/accounts/", {"cursor": cursor}, **device_headers(token)).json()
    assert [(x["clock_id"], x["action"]) for x in changed["accounts"]] == [(a.clock_id, "delete")]
    assert client.get("/api/v1/attendance/device/accounts/", {"cursor": "junk"},
                      **device_headers(token)).status_code == 400
    assert client.get("/api/v1/attendance/device/accounts/", {"cursor": "2025-01-01T00:00:00|1"},
                      **device_headers(token)).status_code == 400  # a cursor without its time zone
    assert client.get("/api/v1/attendance/device/accounts/").status_code == 401


def test_r_sec_1_account_list_scoped(users, org, api_as):
    from tests.attendance.factories import active_account

    active_account(org.emergency, name="急诊")
    active_account(org.it, name="信息")
    names = [x["holder_name"] for x in api_as(users.er_manager).get("/api/v1/attendance/accounts/").json()["results"]]
    assert names == ["急诊"]
    assert len(api_as(users.director).get("/api/v1/attendance/accounts/").json()["results"]) == 2


def test_r_att_1_a_change_that_commits_after_a_pull_is_still_delivered(users, org, time_machine):
    """The activation sweep stamps the account at 00:00:00 but its transaction commits at 00:00:40; a device
    pulled at 00:00:20 and saw nothing. Its next pull must still bring the account."""
    from attendance.selectors import accounts_changed_for_device
    from tests.attendance.factories import active_account

    device, _token = token_device(users.hr, org.emergency)
    midnight = local(dt.date(2025, 12, 8), 0)
    time_machine.move_to(midnight + dt.timedelta(seconds=10), tick=False)
    early = active_account(org.emergency, name="早")  # committed at once, stamped after the late one
    rows, cursor = accounts_changed_for_device(device=device, now=midnight + dt.timedelta(seconds=20))
    assert [r.pk for r in rows] == [early.pk]
    late = active_account(org.emergency, name="晚")  # committed now, stamped at midnight
    AttendanceAccount.objects.filter(pk=late.pk).update(changed_at=midnight)
    rows, cursor = accounts_changed_for_device(device=device, cursor=cursor, now=midnight + dt.timedelta(seconds=50))
    assert late.pk in [r.pk for r in rows]
    # once settled, nothing is sent twice
    rows, cursor = accounts_changed_for_device(device=device, cursor=cursor, now=midnight + dt.timedelta(minutes=5))
    rows, _cursor = accounts_changed_for_device(device=device, cursor=cursor, now=midnight + dt.timedelta(minutes=6))
    assert rows == []


def test_r_att_1_a_catch_up_sweep_stamps_device_changes_with_the_real_clock(users, org, time_machine):
    """hr_tick --at <a past moment> after an outage: the activation is dated by the run, not the past moment,
    or it would sit below every device's cursor and never be pulled."""
    time_machine.move_to(local(dt.date(2025, 12, 10), 9), tick=False)
    account = AttendanceAccount.objects.create(department=org.emergency, holder_name="补录", effective_date=dt.date(
        2025, 12, 8))
    services.accounts_activate_due(now=local(dt.date(2025, 12, 8), 0, 1))
    account.refresh_from_db()
    assert account.state == AccountState.ACTIVE and account.changed_at == timezone.now()
