"""What the employee file tells the later stages (attendance), which it never imports.

Sent with ``send`` (not ``send_robust``) inside the service's transaction: a receiver runs in that transaction,
and its error rolls the whole change back, as if one service had done it.
"""

from django.dispatch import Signal

#: the employee file was created on the start date: kwargs ``employee``, ``actor``. Attendance links the
#: clock-in account scheduled for the same offer (R-ONB-1).
employee_created = Signal()

#: an employee leaves: kwargs ``employee``, ``last_day`` (a date), ``reason`` (an ``AttritionReason``), ``actor``.
#: Attendance closes the account after the last day (R-ATT-5).
employee_exited = Signal()
