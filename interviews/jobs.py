"""Periodic sweeps of the interviews app, run every minute by hr_tick on Celery beat (R-NS-5, R-NS-6, R-PIPE-7)."""

from hrsys.core.periodic import periodic_job

from . import services


@periodic_job("interviews.detect_no_shows")
def detect_no_shows(now):
    return services.detect_no_shows(now=now)


@periodic_job("interviews.expire_rebooking_offers")
def expire_rebooking_offers(now):
    return services.rebooking_expire_due(now=now)


@periodic_job("interviews.remind_feedback")
def remind_feedback(now):
    return services.feedback_reminders_send(now=now)
