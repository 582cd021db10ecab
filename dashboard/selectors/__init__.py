"""The dashboard figures, always computed within the viewer's data scope (R-DASH-1, R-DASH-2, R-SEC-1).

Every figure starts from ``Application.objects.for_user(user)`` (or another model's ``for_user``) and
aggregates in the database (``values`` + ``Count``, window functions, ``percentile_cont`` on
PostgreSQL); Python only reshapes the few aggregated rows. Reminder delivery rates read the
materialised :class:`~dashboard.models.NotificationDaily` rows the ``dashboard.refresh_summaries``
sweep keeps fresh.

Periods: the funnel, sources and insights take the applications *received* in the period (a cohort);
the trend figures place each event (interview, hire, offer answer, reminder) in the week or month it
happened, in Asia/Shanghai time.

One module per kind of figure, every public name importable from here: ``filters`` (what the viewer narrowed
the figures to, the applications they start from), ``todo`` (today's list), ``funnel`` (stages reached, drop-off,
time in stage, stuck), ``interviewing`` (rounds' pass rates, feedback rates, AI no-shows, reminders),
``hiring_time`` (time to hire and to offer), ``offers``, ``sourcing`` (channels and cost per hire) and
``ai_insights`` (AI dimension scores against later outcomes); ``_common`` holds what they share.
"""

from ._common import (
    DEFAULT_STUCK_DAYS,
    EXIT_STATES,
    HIRED_STATES,
    MIN_SAMPLE,
    NEGATIVE,
    POSITIVE,
    REMINDER_RELATED,
    PercentileCont,
    stuck_days,
)
from .ai_insights import (
    DIMENSION_EXIT_THEMES,
    HIGH_SCORE,
    OUTCOMES,
    _latest_ai_scores,
    ai_insights,
    application_outcomes,
)
from .filters import Filters, applications, filter_choices
from .funnel import FUNNEL, drop_off_reasons, funnel_stages, stuck_by_stage, time_in_stage
from .hiring_time import time_to_hire, time_to_offer
from .interviewing import (
    ai_no_show_trend,
    feedback_rates,
    human_no_show_trend,
    reminder_rates,
    round_pass_rates,
)
from .offers import offer_acceptance
from .sourcing import cost_per_hire, source_effectiveness
from .todo import CREDENTIAL_WARNING_DAYS, TODO_ITEMS, todo

__all__ = [
    "CREDENTIAL_WARNING_DAYS", "DEFAULT_STUCK_DAYS", "DIMENSION_EXIT_THEMES", "EXIT_STATES", "FUNNEL", "HIGH_SCORE",
    "HIRED_STATES", "MIN_SAMPLE", "NEGATIVE", "OUTCOMES", "POSITIVE", "REMINDER_RELATED", "TODO_ITEMS", "Filters",
    "PercentileCont",
    "_latest_ai_scores",  # the attrition model reads the same latest scores
    "ai_insights", "ai_no_show_trend", "human_no_show_trend", "application_outcomes", "applications", "cost_per_hire",
    "drop_off_reasons", "feedback_rates", "filter_choices", "funnel_stages", "offer_acceptance", "reminder_rates",
    "round_pass_rates", "source_effectiveness", "stuck_by_stage", "stuck_days", "time_in_stage", "time_to_hire",
    "time_to_offer", "todo",
]
