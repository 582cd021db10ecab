"""What onboarding tells the later stages (employees, attendance), which it never imports.

Sent with ``send`` (not ``send_robust``) inside the service's transaction: a receiver runs in that transaction,
and its error (a 400, a 409, a missing permission) rolls the whole change back, as if one service had done it.
"""

from django.dispatch import Signal

#: an accepted offer opened its onboarding case; sent on every (idempotent) call of ``onboarding_case_open``.
#: kwargs ``case``, ``offer_id``, ``actor``. Attendance schedules the clock-in account for the start date (R-ATT-1).
case_opened = Signal()

#: HR asks to move the start date of an open case: kwargs ``case``, ``offer_id``, ``start_date``, ``actor``.
#: Receivers run in the order the apps are installed. The employee file refuses once the new hire has started
#: (409). Attendance, which owns the date the clocks know, checks it (a past date is a 400, an account already
#: working a 409), moves the account, tells the candidate and HR, and has the case follow
#: (``onboarding.services.onboarding_case_follow_start_date``) (R-ATT-2).
case_reschedule_requested = Signal()

#: the hire will not start: kwargs ``case``, ``offer_id``, ``reason``, ``actor``. Attendance revokes the account.
case_cancelled = Signal()
