"""Periodic sweeps of the dashboards (run by beat every minute and by ``manage.py hr_tick``)."""

from django.core.cache import cache

from hrsys.core.periodic import periodic_job

from . import attrition, services, tasks
from .cache import ttl_seconds

SUMMARY_EVERY_SECONDS = 600


@periodic_job("dashboard.refresh_summaries")
def refresh_summaries(now):
    """Recompute the recent days of the reminder summary, at most every ten minutes (R-DASH-1)."""
    if not cache.add("dashboard:summaries-refreshed", now.isoformat(), timeout=SUMMARY_EVERY_SECONDS):
        return "skipped: refreshed recently"
    return services.summaries_refresh(now=now)


@periodic_job("dashboard.retrain_attrition")
def retrain_attrition(now):
    """Retrain the attrition-risk model once a day (R-DASH-3)."""
    return attrition.retrain_if_due(now)


@periodic_job("dashboard.warm_figures")
def warm(now):
    """Queue the re-warming of recent viewers' figures before their cache entries expire (R-DASH-1)."""
    if ttl_seconds() <= 0:
        return "skipped: figures are not cached"
    every = max(60, ttl_seconds() * 2 // 3)
    if not cache.add("dashboard:figures-warmed", now.isoformat(), timeout=every):
        return "skipped: warmed recently"
    tasks.enqueue_warm()
    return "queued"
