"""Interview configuration (R-INT-4): reminder policies (R-NS-1, R-NS-3) and interview rooms (R-SCHED-1), as
the configuration API writes them, audited. The shared steps (scope, validation, audit) are
``hrsys.core.config``."""

from __future__ import annotations

from django.db import transaction

from candidates.models import JobRequisition
from hrsys.accounts.models import Department
from hrsys.audit.services import snapshot
from hrsys.core.actors import require_perm
from hrsys.core.config import apply_changes, config_save, locked_for, visible_or_invalid

from ..models import ReminderPolicy, Room

REMINDER_POLICY_FIELDS = ("job", "steps", "escalate")
ROOM_FIELDS = ("name", "department", "location")


@transaction.atomic
def reminder_policy_create(*, actor, job_id: int | None = None, steps: list, escalate: bool = True) -> ReminderPolicy:
    """A job's reminder policy, or (no job) the default for every job without one -- the default only for those
    who see every department (R-NS-1)."""
    require_perm(actor, "interviews.add_reminderpolicy")
    if job_id is not None:
        visible_or_invalid(JobRequisition, actor, job_id, field="job_id")
    policy = ReminderPolicy(job_id=job_id, steps=steps, escalate=escalate)
    return config_save(policy, actor=actor, action="reminder_policy.create", fields=REMINDER_POLICY_FIELDS,
                       scope_field="job_id")


@transaction.atomic
def reminder_policy_update(*, actor, reminder_policy_id: int, **changes) -> ReminderPolicy:
    """Change a policy; interviews already booked keep the reminders planned for them."""
    require_perm(actor, "interviews.change_reminderpolicy")
    policy = locked_for(ReminderPolicy, actor, reminder_policy_id)
    before = snapshot(policy, REMINDER_POLICY_FIELDS)
    if changes.get("job_id") is not None:
        visible_or_invalid(JobRequisition, actor, changes["job_id"], field="job_id")
    apply_changes(policy, changes, allowed=("job_id", "steps", "escalate"))
    return config_save(policy, actor=actor, action="reminder_policy.update", fields=REMINDER_POLICY_FIELDS,
                       before=before, scope_field="job_id")


@transaction.atomic
def room_create(*, actor, name: str, department_id: int, location: str = "") -> Room:
    """An on-site interview room of a department (R-SCHED-1)."""
    require_perm(actor, "interviews.add_room")
    visible_or_invalid(Department, actor, department_id, field="department_id")
    room = Room(name=name, department_id=department_id, location=location)
    return config_save(room, actor=actor, action="room.create", fields=ROOM_FIELDS, scope_field="department_id")


@transaction.atomic
def room_update(*, actor, room_id: int, **changes) -> Room:
    require_perm(actor, "interviews.change_room")
    room = locked_for(Room, actor, room_id)
    before = snapshot(room, ROOM_FIELDS)
    if "department_id" in changes:
        visible_or_invalid(Department, actor, changes["department_id"], field="department_id")
    apply_changes(room, changes, allowed=("name", "department_id", "location"))
    return config_save(room, actor=actor, action="room.update", fields=ROOM_FIELDS, before=before,
                       scope_field="department_id")
