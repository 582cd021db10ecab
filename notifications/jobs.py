"""Periodic sweeps of the notifications app, run every minute by hr_tick."""

from hrsys.core.periodic import periodic_job

from . import services


@periodic_job("notifications.dispatch")
def dispatch(now):
    return services.notification_dispatch_due(now=now)


@periodic_job("notifications.escalate")
def escalate(now):
    return services.notification_escalate_due(now=now)
