"""Every write of the attendance app (R-ATT-1..5, R-HOSP-1), one module per sub-domain; the public names are
re-exported here, so ``from attendance.services import punches_ingest`` works wherever it did.

* ``accounts`` -- the clock-in account: scheduled for an accepted offer, moved with the start date, activated,
  suspended, resumed, revoked, closed on exit; sweeps for activation, orphans, day-one no-shows and exits
  (R-ATT-1, R-ATT-2, R-ATT-5).
* ``config`` -- shift templates and door access groups, as the configuration API writes them (R-INT-4).
* ``devices`` -- devices and their credentials; provisioning pushes to webhook devices (R-ATT-1, R-ATT-3).
* ``punches`` -- ``punches_ingest`` (API), ``punches_import_csv`` (file) (R-ATT-3).
* ``shifts_leave`` -- ``shift_assign``; ``leave_request_create`` / ``leave_request_decide`` (R-ATT-3, R-HOSP-1).
* ``daily_results`` -- sweep ``daily_results_refresh`` (R-ATT-3).
* ``probation`` -- ``probation_decide``; sweep ``probation_remind_due`` (R-ATT-4).
* ``zkteco`` -- ZKTeco clocks' logs pulled into punches: ``zkteco_pull``; sweep ``zkteco_pull_due`` (R-CN-3).

Shared helpers (locking an account, messages, who is responsible) are in ``_common``. What the earlier stages
tell attendance (an onboarding case opened, moved or cancelled; an employee file created or closed) arrives
through their signals, received in ``attendance.receivers``.
"""

from hrsys.accounts.selectors import department_managers

from ._common import add_months, responsible_hr
from .accounts import (
    accounts_activate_due,
    accounts_close_due,
    accounts_no_show_due,
    accounts_revoke_orphaned,
    attendance_account_activate,
    attendance_account_close,
    attendance_account_reschedule,
    attendance_account_resume,
    attendance_account_revoke,
    attendance_account_schedule_for_offer,
    attendance_account_suspend,
    door_groups_for,
)
from .config import (
    door_access_group_create,
    door_access_group_update,
    shift_template_create,
    shift_template_update,
)
from .daily_results import daily_results_refresh, default_template
from .devices import (
    device_create,
    device_deactivate,
    device_rotate_credentials,
    device_update,
    provisioning_deliver,
    provisioning_push_due,
    push_backoff_seconds,
)
from .probation import MAX_PROBATION_MONTHS, probation_decide, probation_remind_due
from .punches import CSV_COLUMNS, REASONS, punches_import_csv, punches_ingest
from .shifts_leave import leave_request_create, leave_request_decide, shift_assign
from .zkteco import zkteco_pull, zkteco_pull_due

__all__ = [
    "CSV_COLUMNS", "MAX_PROBATION_MONTHS", "REASONS", "accounts_activate_due", "accounts_close_due",
    "accounts_no_show_due", "accounts_revoke_orphaned", "add_months", "attendance_account_activate",
    "attendance_account_close", "attendance_account_reschedule", "attendance_account_resume",
    "attendance_account_revoke", "attendance_account_schedule_for_offer", "attendance_account_suspend",
    "daily_results_refresh", "default_template", "department_managers", "device_create", "device_deactivate",
    "device_rotate_credentials", "device_update",
    "door_access_group_create", "door_access_group_update", "shift_template_create", "shift_template_update", "door_groups_for", "leave_request_create", "leave_request_decide",
    "probation_decide", "probation_remind_due", "provisioning_deliver", "provisioning_push_due",
    "punches_import_csv", "punches_ingest", "push_backoff_seconds", "responsible_hr", "shift_assign",
    "zkteco_pull", "zkteco_pull_due",
]
