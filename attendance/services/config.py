"""Attendance configuration (R-INT-4): shift templates and door access groups, through the API and audited.
Devices and their credentials are in ``devices``. The shared steps are ``hrsys.core.config``."""

from __future__ import annotations

from django.db import transaction

from hrsys.accounts.models import Department
from hrsys.audit.services import snapshot
from hrsys.core.actors import require_perm
from hrsys.core.config import apply_changes, config_save, locked_for, visible_or_invalid

from ..models import DoorAccessGroup, ShiftTemplate

SHIFT_TEMPLATE_FIELDS = ("name", "kind", "start_time", "end_time", "grace_minutes", "early_leave_grace_minutes",
                         "overtime_after_minutes", "follows_public_calendar", "cycle_days", "on_days", "is_default")
DOOR_GROUP_FIELDS = ("department", "code", "name")


def _one_default(template: ShiftTemplate) -> dict:
    """Only one template is the default for accounts without an assignment: choosing one clears the others."""
    if not template.is_default:
        return {}
    others = list(ShiftTemplate.objects.select_for_update().filter(is_default=True).exclude(pk=template.pk)
                  .values_list("pk", flat=True))
    ShiftTemplate.objects.filter(pk__in=others).update(is_default=False)
    return {"default_cleared_on": [others, []]} if others else {}


@transaction.atomic
def shift_template_create(*, actor, **values) -> ShiftTemplate:
    """A new shift template; the times are local time, a night shift ends the next morning (R-ATT-3)."""
    require_perm(actor, "attendance.add_shifttemplate")
    template = ShiftTemplate()
    apply_changes(template, values, allowed=SHIFT_TEMPLATE_FIELDS)
    return config_save(template, actor=actor, action="attendance.shift_template.create",
                       fields=SHIFT_TEMPLATE_FIELDS, extra_changes=_one_default(template))


@transaction.atomic
def shift_template_update(*, actor, shift_template_id: int, **changes) -> ShiftTemplate:
    """Change a shift template; the days it already decided are recomputed by the daily results sweep."""
    require_perm(actor, "attendance.change_shifttemplate")
    template = locked_for(ShiftTemplate, actor, shift_template_id)
    before = snapshot(template, SHIFT_TEMPLATE_FIELDS)
    apply_changes(template, changes, allowed=SHIFT_TEMPLATE_FIELDS)
    return config_save(template, actor=actor, action="attendance.shift_template.update",
                       fields=SHIFT_TEMPLATE_FIELDS, before=before, extra_changes=_one_default(template))


@transaction.atomic
def door_access_group_create(*, actor, department_id: int, code: str, name: str) -> DoorAccessGroup:
    """A door-controller group granted to everyone of a department and those below it (R-ATT-1)."""
    require_perm(actor, "attendance.add_dooraccessgroup")
    visible_or_invalid(Department, actor, department_id, field="department_id")
    group = DoorAccessGroup(department_id=department_id, code=code, name=name)
    return config_save(group, actor=actor, action="attendance.door_group.create", fields=DOOR_GROUP_FIELDS,
                       scope_field="department_id")


@transaction.atomic
def door_access_group_update(*, actor, door_access_group_id: int, **changes) -> DoorAccessGroup:
    require_perm(actor, "attendance.change_dooraccessgroup")
    group = locked_for(DoorAccessGroup, actor, door_access_group_id)
    before = snapshot(group, DOOR_GROUP_FIELDS)
    if "department_id" in changes:
        visible_or_invalid(Department, actor, changes["department_id"], field="department_id")
    apply_changes(group, changes, allowed=("department_id", "code", "name"))
    return config_save(group, actor=actor, action="attendance.door_group.update", fields=DOOR_GROUP_FIELDS,
                       before=before, scope_field="department_id")
