"""Time to hire and time to offer: days from the application, median per period (R-DASH-1)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
from django.db.models import Min

from candidates.models import State as AppState
from candidates.models import TransitionLog

from ._common import _in_range, _period_key
from .filters import Filters, applications


def _median_days(deltas):
    return round(float(np.median(deltas)) / 86400, 2) if deltas else None


def _days_to(stage_state, *, user, filters) -> dict:
    apps = applications(user=user, filters=filters, cohort=False)
    logs = _in_range(TransitionLog.objects.filter(application__in=apps, to_state=stage_state), "at", filters)
    by_app = logs.values("application_id").annotate(at=Min("at"), start=Min("application__created_at"))
    per_period: dict[dt.date, list[float]] = defaultdict(list)
    every = []
    for r in by_app:
        secs = (r["at"] - r["start"]).total_seconds()
        per_period[_period_key(r["at"], filters.period)].append(secs)
        every.append(secs)
    series = [{"period": p, "n": len(v), "median_days": _median_days(v)} for p, v in sorted(per_period.items())]
    return {"series": series, "total": {"n": len(every), "median_days": _median_days(every),
                                        "p90_days": round(float(np.percentile(every, 90)) / 86400, 2)
                                        if every else None}}


def time_to_hire(*, user, filters: Filters = Filters()) -> dict:
    """Days from application to hire, median per period of the hire (R-DASH-1)."""
    return _days_to(AppState.HIRED, user=user, filters=filters)


def time_to_offer(*, user, filters: Filters = Filters()) -> dict:
    """Days from application to the offer stage, median per period (R-DASH-1)."""
    return _days_to(AppState.OFFER, user=user, filters=filters)
