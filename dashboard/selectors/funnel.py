"""The pipeline: how many applications reached each stage, why they left, how long they stood in each
stage and where open ones wait now (R-DASH-1)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import reduce
from operator import or_

import numpy as np
from django.db import connection
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from candidates.models import State as AppState
from candidates.models import TransitionLog

from ._common import EXIT_STATES, HIRED_STATES, PercentileCont, _rate, stuck_days
from .filters import Filters, applications

#: (stage, state, states that imply it was reached, the stage it converts from). AI stages are optional:
#: later states do not imply them, and interviews convert from screening, not from the AI interview.
FUNNEL = [
    ("applied", AppState.NEW, None, None),
    ("screening", AppState.SCREENING, (AppState.SCREENING, AppState.AI_INVITED, AppState.AI_COMPLETED,
                                       AppState.AI_NO_SHOW, AppState.AI_REVIEW, AppState.INTERVIEWING,
                                       AppState.OFFER, *HIRED_STATES), "applied"),
    ("ai_invited", AppState.AI_INVITED, (AppState.AI_INVITED, AppState.AI_COMPLETED, AppState.AI_NO_SHOW,
                                         AppState.AI_REVIEW), "screening"),
    ("ai_completed", AppState.AI_COMPLETED, (AppState.AI_COMPLETED, AppState.AI_REVIEW), "ai_invited"),
    ("interviewing", AppState.INTERVIEWING, (AppState.INTERVIEWING, AppState.OFFER, *HIRED_STATES), "screening"),
    ("offer", AppState.OFFER, (AppState.OFFER, *HIRED_STATES), "interviewing"),
    ("hired", AppState.HIRED, HIRED_STATES, "offer"),
]


def funnel_stages(*, user, filters: Filters = Filters()) -> list[dict]:
    """How many applications reached each stage, the conversion from the stage it follows (AI stages and
    interviews from screening) and from applying (R-DASH-1).

    An application reached a stage when it stands in it or beyond (``implied``) or the transition log
    shows it passed through. Two aggregate queries whatever the volume: counts per current state, and
    one pass over the log counting applications that passed a stage but stand elsewhere now (a
    per-row EXISTS for every stage took seconds at 100,000 applications).
    """
    apps = applications(user=user, filters=filters)
    by_state = dict(apps.order_by().values_list("state").annotate(n=Count("pk")))
    passed_through = {}
    stages = FUNNEL[1:]
    if stages:
        passed_through = TransitionLog.objects.filter(application__in=apps.order_by().values("pk")).aggregate(**{
            key: Count("application", distinct=True,
                       filter=Q(to_state=state) & ~Q(application__state__in=implied))
            for key, state, implied, _base in stages})
    counts = {"applied": sum(by_state.values())}
    for key, _state, implied, _base in stages:
        counts[key] = sum(by_state.get(s, 0) for s in implied) + (passed_through.get(key) or 0)
    labels = dict(AppState.choices)
    return [{"stage": key, "label": pgettext("funnel stage", "Applied") if key == "applied" else str(labels[state]), "count": counts[key],
             "of_previous": _rate(counts[key], counts[base]) if base else None,
             "of_applied": _rate(counts[key], counts["applied"])} for key, state, _implied, base in FUNNEL]


def drop_off_reasons(*, user, filters: Filters = Filters(), limit: int = 20) -> list[dict]:
    """Why applications left the pipeline: from which stage, to rejected / withdrawn / talent pool, the
    reason given, how often (R-DASH-1)."""
    apps = applications(user=user, filters=filters)
    labels = dict(AppState.choices)
    rows = (TransitionLog.objects.filter(application__in=apps, to_state__in=EXIT_STATES)
            .values("from_state", "to_state", "reason").annotate(n=Count("id"))
            .order_by("-n", "from_state", "to_state", "reason")[:limit])
    return [{"from_stage": str(labels.get(r["from_state"], r["from_state"])),
             "outcome": str(labels.get(r["to_state"], r["to_state"])),
             "reason": (r["reason"] or "").strip()[:200] or _("(no reason given)"), "count": r["n"]} for r in rows]


def time_in_stage(*, user, filters: Filters = Filters()) -> list[dict]:
    """Time spent in each stage before leaving it: count, median and 90th percentile in days (R-DASH-1).

    Each move records how long the application stood in the stage it left (``TransitionLog.stage_seconds``),
    so this is one grouped aggregation in the database; on SQLite (no percentile aggregate) the seconds
    are read per stage and the percentiles taken in numpy."""
    apps = applications(user=user, filters=filters)
    qs = TransitionLog.objects.filter(application__in=apps.order_by().values("pk"), stage_seconds__isnull=False)
    stats: dict[str, tuple[int, float, float]] = {}
    if connection.vendor == "postgresql":
        rows = (qs.values("from_state").annotate(n=Count("pk"), p50=PercentileCont("stage_seconds", 0.5),
                                                 p90=PercentileCont("stage_seconds", 0.9)).order_by())
        stats = {r["from_state"]: (r["n"], r["p50"], r["p90"]) for r in rows}
    else:
        values: dict[str, list[float]] = defaultdict(list)
        for state, secs in qs.values_list("from_state", "stage_seconds").iterator(chunk_size=5000):
            values[state].append(secs)
        for state, secs in values.items():
            stats[state] = (len(secs), float(np.percentile(secs, 50)), float(np.percentile(secs, 90)))
    order = [s for s in AppState.values if s in stats]
    labels = dict(AppState.choices)
    return [{"stage": str(labels[s]), "state": s, "moves": stats[s][0],
             "median_days": round(stats[s][1] / 86400, 2), "p90_days": round(stats[s][2] / 86400, 2)}
            for s in order]


def stuck_by_stage(*, user, filters: Filters = Filters(), now=None) -> list[dict]:
    """Where open applications wait now: per stage how many, how many beyond the stage's limit, since when
    the oldest waits (R-DASH-1)."""
    now = now or timezone.now()
    limits = stuck_days()
    apps = applications(user=user, filters=filters).filter(state__in=list(limits))
    stuck_q = reduce(or_, (Q(state=s, state_changed_at__lt=now - dt.timedelta(days=d)) for s, d in limits.items()))
    rows = {r["state"]: r for r in apps.values("state").annotate(
        n=Count("pk"), stuck=Count("pk", filter=stuck_q), oldest=Min("state_changed_at"))}
    labels = dict(AppState.choices)
    return [{"stage": str(labels[s]), "state": s, "open": rows[s]["n"], "limit_days": limits[s],
             "stuck": rows[s]["stuck"], "oldest_days": (now - rows[s]["oldest"]).days}
            for s in AppState.values if s in rows]
