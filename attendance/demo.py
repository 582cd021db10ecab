"""Demo set-up for attendance: shift templates (day, night across midnight, 24-hour on-call every fourth day) and
one pull clock per organization (R-ATT-3, R-HOSP-1). The accounts, punches, leave and probation reviews of the
demo's new hires are made by the demo story (``hrsys.core.demo_story``) as the clocks and managers would.
Idempotent: a second run adds nothing."""

import datetime as dt

from django.db import transaction

from hrsys.accounts.models import Department

from . import services
from .models import Device, ShiftTemplate


def seed(stdout=None, scale=0, **options) -> dict:
    made = {"shifts": 0, "devices": 0}
    tokens = {}
    with transaction.atomic():
        for name, kind, start, end, calendar, cycle, on_days, default in (
                ("白班 09:00-18:00", "day", dt.time(9), dt.time(18), True, 1, [0], True),
                ("夜班 20:00-08:00", "night", dt.time(20), dt.time(8), False, 1, [0], False),
                ("24小时值班(四天一班)", "on_call", dt.time(8), dt.time(8), False, 4, [0], False)):
            _, created = ShiftTemplate.objects.get_or_create(name=name, defaults={
                "kind": kind, "start_time": start, "end_time": end, "follows_public_calendar": calendar,
                "cycle_days": cycle, "on_days": on_days, "is_default": default})
            made["shifts"] += created
        for org in Department.objects.filter(kind=Department.Kind.ORGANIZATION, parent__isnull=True):
            if not Device.objects.filter(department=org, name__startswith="Demo").exists():
                device, token = services.device_create(actor="demo", name=f"Demo 考勤机 {org.code}",
                                                       department_id=org.pk, location="主楼一层")
                tokens[device.pk] = token
                made["devices"] += 1
    if stdout is not None:
        for device_id, token in tokens.items():
            stdout.write(f"  device #{device_id} token (shown once): {token}\n")
    return made
