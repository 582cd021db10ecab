"""The nightly retention sweep, started by the every-minute tick once the night's hour has come (R-SEC-5)."""

from django.utils import timezone

from hrsys.core.periodic import periodic_job
from hrsys.core.timezones import local_tz

from .services import SWEEP_HOUR, retention_sweep_schedule


@periodic_job("privacy.retention_sweep")
def retention_sweep(now):
    local = timezone.localtime(now, local_tz())
    if local.hour < SWEEP_HOUR:
        return "waiting"
    sweep = retention_sweep_schedule(now=now, day=local.date())
    return f"sweep {sweep.pk}" if sweep else "done today"
