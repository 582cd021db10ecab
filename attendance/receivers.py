"""What attendance does when an earlier stage tells it something (connected in ``AttendanceConfig.ready``).

The senders (``onboarding.signals``, ``employees.signals``) send inside their service's transaction, so each
receiver runs in it: its error -- a past date (400), an account already working (409), a missing permission --
rolls the whole change back, exactly as when the services called attendance directly.
"""

from employees.models import Employee
from employees.signals import employee_created, employee_exited
from onboarding.models import OnboardingCase
from onboarding.signals import case_cancelled, case_opened, case_reschedule_requested

from .models import AttendanceAccount
from .services import (
    attendance_account_close,
    attendance_account_reschedule,
    attendance_account_revoke,
    attendance_account_schedule_for_offer,
)


def schedule_account(sender, *, offer_id, actor, **kwargs):
    """An accepted offer's onboarding case opened: the account is scheduled for the start date (R-ATT-1)."""
    attendance_account_schedule_for_offer(offer_id=offer_id, actor=actor)


def move_account(sender, *, offer_id, start_date, actor, **kwargs):
    """HR moves the case's start date: the account moves (and the case follows it) (R-ATT-2)."""
    attendance_account_reschedule(actor=actor, offer_id=offer_id, start_date=start_date)


def revoke_account(sender, *, offer_id, reason, actor, **kwargs):
    """The hire will not start: the account is revoked (R-ATT-2)."""
    attendance_account_revoke(actor=actor, offer_id=offer_id, reason=reason)


def link_account(sender, *, employee, **kwargs):
    """The employee file exists: the account scheduled for the same offer belongs to it (R-ONB-1)."""
    AttendanceAccount.objects.filter(offer_id=employee.offer_id).update(employee=employee)


def close_accounts(sender, *, employee, last_day, reason, actor, **kwargs):
    """An employee leaves: their accounts close after the last day (R-ATT-5)."""
    for account_id in AttendanceAccount.objects.filter(employee=employee).values_list("pk", flat=True):
        attendance_account_close(actor=actor, account_id=account_id, last_day=last_day, reason=reason)


def connect() -> None:
    case_opened.connect(schedule_account, sender=OnboardingCase, dispatch_uid="attendance.schedule_account")
    case_reschedule_requested.connect(move_account, sender=OnboardingCase, dispatch_uid="attendance.move_account")
    case_cancelled.connect(revoke_account, sender=OnboardingCase, dispatch_uid="attendance.revoke_account")
    employee_created.connect(link_account, sender=Employee, dispatch_uid="attendance.link_account")
    employee_exited.connect(close_accounts, sender=Employee, dispatch_uid="attendance.close_accounts")
