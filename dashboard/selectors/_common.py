"""What the dashboard figures share: the stages they group, the stuck limits, rates, admin links, periods
and the percentile aggregate."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Aggregate, FloatField, Q
from django.db.models.functions import TruncMonth, TruncWeek
from django.urls import reverse
from django.utils import timezone

from candidates.models import HIRED_STATES, TransitionLog
from candidates.models import State as AppState
from hrsys.core.timezones import local_tz
from interviews.models import Recommendation

EXIT_STATES = (AppState.REJECTED, AppState.WITHDRAWN, AppState.TALENT_POOL)
#: Days an open application may sit in a stage before the dashboard calls it stuck (R-DASH-1).
DEFAULT_STUCK_DAYS = {
    AppState.NEW: 3, AppState.SCREENING: 5, AppState.AI_INVITED: 7, AppState.AI_COMPLETED: 3,
    AppState.AI_NO_SHOW: 3, AppState.AI_REVIEW: 3, AppState.INTERVIEWING: 14, AppState.OFFER: 10,
}
#: Below this many pairs a correlation is shown with a warning (R-DASH-2).
MIN_SAMPLE = 30
REMINDER_RELATED = "interviews.interview"
POSITIVE = (Recommendation.YES, Recommendation.STRONG_YES)
NEGATIVE = (Recommendation.NO, Recommendation.STRONG_NO)


def stuck_days() -> dict[str, int]:
    return {**DEFAULT_STUCK_DAYS, **getattr(settings, "DASHBOARD_STUCK_DAYS", {})}


def _rate(part, whole):
    return round(part / whole, 4) if whole else None


def _admin(name, *args, query=None) -> str:
    url = reverse(f"admin:{name}", args=args)
    return f"{url}?{urlencode(query)}" if query else url


def _reached(stage_state, implied):
    """Stands in the stage or beyond, or passed through it. ``pk__in`` (a hashed subplan, built once) rather
    than a correlated EXISTS, which PostgreSQL runs per row inside an OR: 0.5 s at 100,000 applications."""
    passed = TransitionLog.objects.filter(to_state=stage_state).values("application_id")
    return Q(state__in=implied) | Q(pk__in=passed)


def _hired_q():
    return _reached(AppState.HIRED, HIRED_STATES)


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate: the continuous percentile of a column within each group."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def _trunc(period, field):
    return (TruncWeek if period == "week" else TruncMonth)(field, tzinfo=local_tz())


def _period_key(value, period) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value, local_tz()).date() if timezone.is_aware(value) else value.date()
    if period == "week":
        return value - dt.timedelta(days=value.weekday())
    return value.replace(day=1)


def _in_range(qs, field, filters):
    if filters.start():
        qs = qs.filter(**{f"{field}__gte": filters.start()})
    if filters.end():
        qs = qs.filter(**{f"{field}__lt": filters.end()})
    return qs
