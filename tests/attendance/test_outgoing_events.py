"""Attendance account moves integrators hear about: activation on the start date, a suspension and a revocation
each record one event for the hospital -- ids, state and dates, never the holder, the clock-in credentials or
the reason; a rolled-back move records none (R-INT-2)."""

import pytest
from django.db import transaction
from django.utils import timezone

from attendance import services
from attendance.models import AccountState
from hrsys.events.models import Event
from onboarding import services as offer_services
from tests.attendance.factories import local
from tests.events.emitted import _no_event_broker, only_event, subscribe  # noqa: F401 - an autouse fixture
from tests.onboarding.factories import PNG, band, interviewing_app, sent_offer

pytestmark = pytest.mark.django_db

@pytest.fixture
def account(users, org):
    """A scheduled account from an accepted offer (as tests/attendance/test_accounts.py sets it up)."""
    band(org.emergency)
    app = interviewing_app(org.emergency)
    offer = sent_offer(users, app)
    offer_services.offer_sign(candidate_id=app.candidate_id, offer_id=offer.pk, typed_name=app.candidate.name,
                              signature_png=PNG, accept_terms=True)
    return services.attendance_account_schedule_for_offer(offer_id=offer.pk)

def _personal(account, *extra):
    c = account.application.candidate
    return (account.holder_name, c.name, c.phone, c.email, *extra)

def _expected(account, state, *, no_show=False):
    return {"account_id": account.pk, "employee_id": account.employee_id, "application_id": account.application_id,
            "offer_id": account.offer_id, "department_id": account.department_id, "state": state,
            "effective_date": account.effective_date.isoformat(), "no_show": no_show}

def _activate(users, account, time_machine):
    time_machine.move_to(local(account.effective_date, 8), tick=False)
    return services.attendance_account_activate(actor=users.hr, account_id=account.pk, now=timezone.now())

def test_r_int_2_activation_records_account_activated(users, org, account, time_machine):
    subscribe(org.hospital, "attendance.account.activated")
    _activate(users, account, time_machine)
    data = only_event("attendance.account.activated", org.hospital, personal=_personal(account))
    assert data == _expected(account, "active")

def test_r_int_2_suspension_records_account_suspended_without_the_reason(users, org, account,
                                                                          time_machine):
    _activate(users, account, time_machine)
    subscribe(org.hospital, "attendance.account.suspended", "attendance.account.activated")
    services.attendance_account_suspend(actor=users.hr, account_id=account.pk, reason="病假 13700001111")
    data = only_event("attendance.account.suspended", org.hospital, personal=_personal(account, "13700001111"))
    assert data == _expected(account, "suspended")
    services.attendance_account_resume(actor=users.hr, account_id=account.pk)
    assert list(Event.objects.values_list("type", flat=True)) == ["attendance.account.suspended"]  # resume: none

def test_r_int_2_a_day_one_no_show_revocation_records_account_revoked(users, org, account):
    subscribe(org.hospital, "attendance.account.revoked")
    services.attendance_account_revoke(actor=users.hr, account_id=account.pk, reason="没来报到", no_show=True)
    data = only_event("attendance.account.revoked", org.hospital, personal=_personal(account, "没来报到"))
    assert data == _expected(account, "revoked", no_show=True)
    services.attendance_account_revoke(actor=users.hr, account_id=account.pk, reason="again")  # does nothing
    assert Event.objects.count() == 1

def test_r_int_2_a_rolled_back_account_move_records_nothing(users, org, account, time_machine):
    subscribe(org.hospital, "attendance.account.activated", "attendance.account.suspended",
              "attendance.account.revoked")
    time_machine.move_to(local(account.effective_date, 8), tick=False)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.attendance_account_activate(actor=users.hr, account_id=account.pk, now=timezone.now())
        raise RuntimeError("the sweep failed after the activation")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.attendance_account_revoke(actor=users.hr, account_id=account.pk, reason="withdrawn")
        raise RuntimeError("the request failed after the revocation")
    assert not Event.objects.exists()
    account.refresh_from_db()
    assert account.state == AccountState.SCHEDULED
