"""Periodic sweep of outgoing events, run every minute by hr_tick (R-INT-2)."""

from hrsys.core.periodic import periodic_job

from . import services


@periodic_job("events.dispatch")
def dispatch(now):
    return services.deliveries_dispatch_due(now=now)
