"""Periodic sweeps of AI interviews, run every minute by beat and by ``manage.py hr_tick``."""

from hrsys.core.periodic import periodic_job

from .services import ai_deliveries_requeue_due, ai_holds_release_due, ai_media_purge_due


@periodic_job("ai_interviews.process_deliveries")
def process_deliveries(now):
    """Vendor deliveries left received too long, and failed ones due for a retry, go to the worker (R-AI-1)."""

    return ai_deliveries_requeue_due(now=now)


@periodic_job("ai_interviews.release_holds")
def release_holds(now):
    """Held automatic rejections whose hold period ran out are applied (R-PIPE-3)."""

    return ai_holds_release_due(now=now)


@periodic_job("ai_interviews.purge_media")
def purge_media(now):
    """Recordings and reports past their vendor's retention period are deleted (R-AI-6)."""

    return ai_media_purge_due(now=now)
