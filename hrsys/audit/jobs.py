"""The audit app's periodic sweep: unusual volume of reading in the access log (R-SEC-7)."""

from hrsys.core.periodic import periodic_job

from .alerts import access_volume_alert_due


@periodic_job("audit.access_volume")
def access_volume(now):
    return access_volume_alert_due(now=now)
