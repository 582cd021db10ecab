"""Demo data for attendance: shift templates (day, night across midnight, 24-hour on-call every fourth day),
one pull clock per organization, and a handful of working accounts with a month of punches (R-ATT-3, R-HOSP-1).
Idempotent: a second run adds nothing."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

TZ = ZoneInfo("Asia/Shanghai")


def seed(stdout=None, scale=0, **options) -> dict:
    from hrsys.accounts.models import Department

    from . import services
    from .models import AccountState, AttendanceAccount, Device, ShiftTemplate

    made = {"shifts": 0, "devices": 0, "accounts": 0, "punches": 0}
    with transaction.atomic():
        for name, kind, start, end, calendar, cycle, on_days, default in (
                ("白班 09:00-18:00", "day", dt.time(9), dt.time(18), True, 1, [0], True),
                ("夜班 20:00-08:00", "night", dt.time(20), dt.time(8), False, 1, [0], False),
                ("24小时值班(四天一班)", "on_call", dt.time(8), dt.time(8), False, 4, [0], False)):
            _, created = ShiftTemplate.objects.get_or_create(name=name, defaults={
                "kind": kind, "start_time": start, "end_time": end, "follows_public_calendar": calendar,
                "cycle_days": cycle, "on_days": on_days, "is_default": default})
            made["shifts"] += created
        tokens = {}
        for org in Department.objects.filter(kind=Department.Kind.ORGANIZATION, parent__isnull=True):
            if not Device.objects.filter(department=org, name__startswith="Demo").exists():
                device, token = services.device_create(actor="demo", name=f"Demo 考勤机 {org.code}",
                                                       department_id=org.pk, location="主楼一层")
                tokens[device.pk] = token
                made["devices"] += 1
        departments = list(Department.objects.exclude(kind=Department.Kind.ORGANIZATION).order_by("path")[:3])
        rng = random.Random(8)
        start = timezone.localdate() - dt.timedelta(days=30)
        for n, dept in enumerate(departments):
            name = ["陈静", "刘洋", "赵磊"][n]
            if AttendanceAccount.objects.filter(holder_name=name, department=dept).exists():
                continue
            account = AttendanceAccount.objects.create(
                department=dept, holder_name=name, state=AccountState.ACTIVE, effective_date=start,
                activated_at=dt.datetime.combine(start, dt.time(0), tzinfo=TZ),
                door_groups=services.door_groups_for(dept))
            account.clock_id = f"{account.pk:08d}"
            account.save(update_fields=["clock_id"])
            made["accounts"] += 1
            device = Device.objects.filter(department__in=dept.path.strip("/").split("/")).first()
            if device is None:
                continue
            punches = []
            for d in range(30):
                day = start + dt.timedelta(days=d)
                if day.weekday() >= 5:
                    continue
                arrive = dt.datetime.combine(day, dt.time(8, 40), tzinfo=TZ) + dt.timedelta(minutes=rng.randint(0, 45))
                leave = dt.datetime.combine(day, dt.time(18, 0), tzinfo=TZ) + dt.timedelta(minutes=rng.randint(-15, 90))
                punches += [{"sequence": f"demo-{account.pk}-{d}-in", "clock_id": account.clock_id,
                             "time": arrive.isoformat()},
                            {"sequence": f"demo-{account.pk}-{d}-out", "clock_id": account.clock_id,
                             "time": leave.isoformat()}]
            made["punches"] += services.punches_ingest(device=device, punches=punches)["accepted"]
    services.daily_results_refresh(now=timezone.now(), backfill_days=31)
    if stdout is not None:
        stdout.write(f"attendance: {made}\n")
        for device_id, token in tokens.items():
            stdout.write(f"  device #{device_id} token (shown once): {token}\n")
    return made
