import datetime as dt
import hashlib
import hmac
import json
import time
from zoneinfo import ZoneInfo

from django.utils import timezone

from attendance import services
from attendance.models import AccountState, AttendanceAccount, ShiftTemplate

TZ = ZoneInfo("Asia/Shanghai")


def local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=TZ)


def active_account(department, *, name="王芳", effective=None, activated_at=None, **kwargs) -> AttendanceAccount:
    """An account already active (the state field is protected: set it at construction)."""
    effective = effective or timezone.localdate() - dt.timedelta(days=40)
    account = AttendanceAccount.objects.create(
        department=department, holder_name=name, state=AccountState.ACTIVE, effective_date=effective,
        activated_at=activated_at or local(effective, 0), door_groups=[f"dept:{department.code}"], **kwargs)
    account.clock_id = f"{account.pk:08d}"
    account.save(update_fields=["clock_id"])
    return account


def day_shift(**kwargs) -> ShiftTemplate:
    values = {"name": "白班", "kind": "day", "start_time": dt.time(9), "end_time": dt.time(18), "grace_minutes": 5,
              "is_default": True}
    values.update(kwargs)
    return ShiftTemplate.objects.create(**values)


def night_shift(**kwargs) -> ShiftTemplate:
    values = {"name": "夜班", "kind": "night", "start_time": dt.time(20), "end_time": dt.time(8), "grace_minutes": 5,
              "follows_public_calendar": False}
    values.update(kwargs)
    return ShiftTemplate.objects.create(**values)


def token_device(actor, department, **kwargs):
    return services.device_create(actor=actor, name=kwargs.pop("name", "门诊楼考勤机"), department_id=department.pk,
                                  **kwargs)


def device_headers(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Device {token}"}


def signed(device, secret: str, payload: dict, *, timestamp=None) -> tuple[bytes, dict]:
    body = json.dumps(payload).encode()
    ts = str(int(timestamp if timestamp is not None else time.time()))
    mac = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return body, {"HTTP_X_DEVICE_ID": str(device.pk), "HTTP_X_TIMESTAMP": ts, "HTTP_X_SIGNATURE": f"sha256={mac}"}


def punch(account, seq, moment, direction=""):
    return {"sequence": str(seq), "clock_id": account.clock_id, "time": moment.isoformat(), "direction": direction}
