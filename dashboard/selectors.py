"""The dashboard figures, always computed within the viewer's data scope (R-DASH-1, R-DASH-2, R-SEC-1).

Every figure starts from ``Application.objects.for_user(user)`` (or another model's ``for_user``) and
aggregates in the database (``values`` + ``Count``, window functions, ``percentile_cont`` on
PostgreSQL); Python only reshapes the few aggregated rows. Reminder delivery rates read the
materialised :class:`~dashboard.models.NotificationDaily` rows the ``dashboard.refresh_summaries``
sweep keeps fresh.

Periods: the funnel, sources and insights take the applications *received* in the period (a cohort);
the trend figures place each event (interview, hire, offer answer, reminder) in the week or month it
happened, in Asia/Shanghai time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_
from urllib.parse import urlencode

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Aggregate, CharField, Count, Exists, FloatField, Max, Min, OuterRef, Q, Sum
from django.db.models.functions import Cast, Coalesce, TruncMonth, TruncWeek
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from candidates.models import Application, Credential, JobRequisition, SourceChannel, TransitionLog
from candidates.models import State as AppState
from hrsys.accounts.models import Department
from hrsys.core.timezones import local_tz
from interviews.models import Interview, Recommendation
from interviews.models import Kind as InterviewKind
from interviews.models import State as InterviewState
from notifications.catalog import template_label
from notifications.models import Notification
from notifications.models import Status as NotificationStatus
from onboarding.models import AttritionReason

from . import sources
from .models import CostRecord, NotificationDaily

HIRED_STATES = (AppState.HIRED, AppState.EMPLOYEE)
EXIT_STATES = (AppState.REJECTED, AppState.WITHDRAWN, AppState.TALENT_POOL)
#: Days an open application may sit in a stage before the dashboard calls it stuck (R-DASH-1).
DEFAULT_STUCK_DAYS = {
    AppState.NEW: 3, AppState.SCREENING: 5, AppState.AI_INVITED: 7, AppState.AI_COMPLETED: 3,
    AppState.AI_NO_SHOW: 3, AppState.AI_REVIEW: 3, AppState.INTERVIEWING: 14, AppState.OFFER: 10,
}
#: Below this many pairs a correlation is shown with a warning (R-DASH-2).
MIN_SAMPLE = 30
CREDENTIAL_WARNING_DAYS = 30
TODO_ITEMS = 8
REMINDER_RELATED = "interviews.interview"
POSITIVE = (Recommendation.YES, Recommendation.STRONG_YES)
NEGATIVE = (Recommendation.NO, Recommendation.STRONG_NO)


def stuck_days() -> dict[str, int]:
    return {**DEFAULT_STUCK_DAYS, **getattr(settings, "DASHBOARD_STUCK_DAYS", {})}


# -- filters -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    """What the viewer narrowed the figures to; never widens the scope (R-SEC-1)."""

    job_id: int | None = None
    department_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    period: str = "month"

    @classmethod
    def from_params(cls, params) -> Filters:
        def integer(name):
            try:
                return int(params.get(name) or 0) or None
            except (TypeError, ValueError):
                return None

        def day(name):
            try:
                return dt.date.fromisoformat(params.get(name) or "")
            except ValueError:
                return None

        period = params.get("period") if params.get("period") in ("week", "month") else "month"
        return cls(job_id=integer("job"), department_id=integer("department"), date_from=day("from"),
                   date_to=day("to"), period=period)

    def querystring(self, **extra) -> str:
        data = {"job": self.job_id, "department": self.department_id,
                "from": self.date_from.isoformat() if self.date_from else None,
                "to": self.date_to.isoformat() if self.date_to else None, "period": self.period, **extra}
        return urlencode({k: v for k, v in data.items() if v not in (None, "")})

    def start(self) -> dt.datetime | None:
        return dt.datetime.combine(self.date_from, dt.time.min, tzinfo=local_tz()) if self.date_from else None

    def end(self) -> dt.datetime | None:
        return (dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=local_tz())
                if self.date_to else None)


def _department_ids(department_id) -> list[int]:
    dept = Department.objects.filter(pk=department_id).only("path").first()
    if dept is None:
        return []
    return list(Department.objects.filter(path__startswith=dept.path).values_list("pk", flat=True))


def applications(*, user, filters: Filters = Filters(), cohort: bool = True):
    """The applications the figures count: the viewer's scope, narrowed by job / department and, for
    cohort figures, by the day the application came in."""
    qs = Application.objects.for_user(user)
    if filters.job_id:
        qs = qs.filter(job_id=filters.job_id)
    if filters.department_id:
        qs = qs.filter(job__department_id__in=_department_ids(filters.department_id))
    if cohort and filters.start():
        qs = qs.filter(created_at__gte=filters.start())
    if cohort and filters.end():
        qs = qs.filter(created_at__lt=filters.end())
    return qs


def filter_choices(*, user) -> dict:
    """Jobs and departments the viewer may pick (their scope only)."""
    jobs = JobRequisition.objects.for_user(user).select_related("department").order_by("department__path", "title")
    dept_ids = set(jobs.values_list("department_id", flat=True))
    return {"jobs": list(jobs[:500]),
            "departments": list(Department.objects.filter(pk__in=dept_ids).order_by("path"))}


def _rate(part, whole):
    return round(part / whole, 4) if whole else None


def _admin(name, *args, query=None) -> str:
    url = reverse(f"admin:{name}", args=args)
    return f"{url}?{urlencode(query)}" if query else url


# -- 1. today: the HR to-do list ---------------------------------------------------------------------------

def _section(key, title, qs, item, list_url):
    rows = list(qs[:TODO_ITEMS])
    count = len(rows) if len(rows) < TODO_ITEMS else qs.count()
    return {"key": key, "title": title, "count": count, "items": [item(r) for r in rows],
            "url": list_url}


def todo(*, user, now=None) -> list[dict]:
    """What HR should handle today, each item linking to where it is handled (R-DASH-1)."""
    from attendance.selectors import probation_reviews_due  # noqa: PLC0415
    from interviews.ai.selectors import borderline_results_to_review  # noqa: PLC0415
    from interviews.selectors import no_shows_to_handle  # noqa: PLC0415
    from notifications.selectors import failed_notifications  # noqa: PLC0415
    from onboarding.models import ApprovalDecision, Offer, OfferApproval, OfferState  # noqa: PLC0415
    from onboarding.selectors_employee import onboarding_tasks_due  # noqa: PLC0415

    now = now or timezone.now()
    today = timezone.localdate(now)
    sections = []

    no_shows = no_shows_to_handle(user=user).prefetch_related(None)
    sections.append(_section(
        "no_shows", _("No-shows to handle"), no_shows,
        lambda i: {"label": f"{i.application.candidate} · {i.application.job.title}", "when": i.no_show_at,
                   "detail": i.title,
                   "url": reverse("board:application", args=[i.application_id]) + f"#interview-{i.pk}"},
        _admin("interviews_interview_changelist",
               query={"state__exact": InterviewState.NO_SHOW, "follow_up_done_at__isnull": "True"})))

    borderline = borderline_results_to_review(user=user)
    sections.append(_section(
        "borderline", _("Borderline AI interview results to review"), borderline,
        lambda r: {"label": f"{r.application.candidate} · {r.application.job.title}", "when": r.received_at,
                   "detail": _("overall %(score)s") % {"score": r.overall_score if r.overall_score is not None
                                                        else "–"},
                   "url": _admin("ai_interviews_aiinterviewresult_change", r.pk)},
        _admin("candidates_application_changelist", query={"state__exact": AppState.AI_REVIEW})))

    offers = Offer.objects.for_user(user).filter(state=OfferState.PENDING_APPROVAL)
    approvals = (OfferApproval.objects.filter(offer__in=offers, decision=ApprovalDecision.PENDING)
                 .select_related("approver", "offer__application__candidate", "offer__application__job")
                 .order_by("activated_at", "pk"))

    def approval_item(a):
        mine = a.approver_id == user.pk
        return {"label": f"{a.offer.application.candidate} · {a.offer.application.job.title}",
                "when": a.activated_at,
                "detail": _("waiting for %(approver)s (%(role)s)") % {"approver": a.approver,
                                                                       "role": a.get_role_display()},
                "url": reverse("onboarding:approval", args=[a.pk]) if mine
                else _admin("onboarding_offer_change", a.offer_id)}

    sections.append(_section("approvals", _("Offers waiting for approval"), approvals, approval_item,
                             _admin("onboarding_offer_changelist",
                                    query={"state__exact": OfferState.PENDING_APPROVAL})))

    tasks = onboarding_tasks_due(user=user, day=today)
    sections.append(_section(
        "onboarding", _("Onboarding tasks due"), tasks,
        lambda t: {"label": f"{t.case.candidate} · {t.title}", "when": t.due_date,
                   "detail": str(t.owner or t.get_owner_role_display()),
                   "url": _admin("onboarding_onboardingcase_change", t.case_id)},
        _admin("onboarding_onboardingcase_changelist")))

    soon = today + dt.timedelta(days=CREDENTIAL_WARNING_DAYS)
    creds = (Credential.objects.for_user(user).filter(expires_on__gte=today, expires_on__lte=soon)
             .select_related("candidate").order_by("expires_on", "pk"))
    sections.append(_section(
        "credentials", _("Credentials expiring within 30 days"), creds,
        lambda c: {"label": str(c.candidate), "when": c.expires_on, "detail": c.get_type_display(),
                   "url": _admin("candidates_credential_change", c.pk)},
        _admin("candidates_credential_changelist",
               query={"expires_on__gte": today.isoformat(), "expires_on__lte": soon.isoformat()})))

    failed = failed_notifications(user=user)
    sections.append(_section(
        "failed_notifications", _("Failed notifications"), failed,
        lambda n: {"label": f"{n.get_channel_display()} · {template_label(n.template_key)}"
                            f"{' · ' + n.recipient_name if n.recipient_name else ''}", "when": n.failed_at,
                   "detail": n.last_error_code or n.last_error[:80],
                   "url": _admin("notifications_notification_change", n.pk)},
        _admin("notifications_notification_changelist", query={"status__exact": NotificationStatus.FAILED})))

    reviews = probation_reviews_due(user=user, day=today)
    sections.append(_section(
        "probation", _("Probation reviews due"), reviews,
        lambda r: {"label": r.account.holder_name, "when": r.ends_on,
                   "detail": _("probation ends %(day)s") % {"day": r.ends_on.isoformat()},
                   "url": _admin("attendance_probation_decide", r.pk)},
        _admin("attendance_probationreview_changelist", query={"decision__exact": ""})))

    limits = stuck_days()
    stuck_q = reduce(or_, (Q(state=s, state_changed_at__lt=now - dt.timedelta(days=d)) for s, d in limits.items()))
    stuck = (Application.objects.for_user(user).filter(stuck_q).select_related("candidate", "job")
             .order_by("state_changed_at", "pk"))
    sections.append(_section(
        "stuck", _("Applications stuck in a stage"), stuck,
        lambda a: {"label": f"{a.candidate} · {a.job.title}", "when": a.state_changed_at,
                   "detail": _("%(stage)s for %(days)s days") % {
                       "stage": a.get_state_display(), "days": (now - a.state_changed_at).days},
                   "url": reverse("board:application", args=[a.pk])},  # where it is moved on
        _admin("candidates_application_changelist")))
    return sections


# -- 2. funnel -----------------------------------------------------------------------------------------------

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


def _reached(stage_state, implied):
    """Stands in the stage or beyond, or passed through it. ``pk__in`` (a hashed subplan, built once) rather
    than a correlated EXISTS, which PostgreSQL runs per row inside an OR: 0.5 s at 100,000 applications."""
    passed = TransitionLog.objects.filter(to_state=stage_state).values("application_id")
    return Q(state__in=implied) | Q(pk__in=passed)


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


def round_pass_rates(*, user, filters: Filters = Filters()) -> list[dict]:
    """Per interview round (order and kind): interviews held, no-shows, passed (more positive than negative
    recommendations), failed, waiting for feedback, pass rate (R-DASH-1)."""
    apps = applications(user=user, filters=filters)
    rows = (Interview.objects.filter(application__in=apps, kind=InterviewKind.HUMAN,
                                     state__in=[InterviewState.COMPLETED, InterviewState.NO_SHOW])
            .annotate(pos=Count("feedback", filter=Q(feedback__recommendation__in=POSITIVE,
                                                     feedback__submitted_at__isnull=False)),
                      neg=Count("feedback", filter=Q(feedback__recommendation__in=NEGATIVE,
                                                     feedback__submitted_at__isnull=False)))
            .values_list("round__order", "round__kind", "state", "pos", "neg"))
    from candidates.models import InterviewRound  # noqa: PLC0415

    kinds = dict(InterviewRound.Kind.choices)
    out: dict[tuple, dict] = {}
    for order, kind, state, pos, neg in rows:
        row = out.setdefault((order or 0, kind or ""), {
            "round": order or 0, "kind": str(kinds.get(kind, _("Unplanned round"))), "held": 0, "no_show": 0,
            "passed": 0, "failed": 0, "waiting": 0})
        if state == InterviewState.NO_SHOW:
            row["no_show"] += 1
            continue
        row["held"] += 1
        if pos > neg:
            row["passed"] += 1
        elif pos + neg:
            row["failed"] += 1
        else:
            row["waiting"] += 1
    result = [out[k] for k in sorted(out)]
    for row in result:
        row["pass_rate"] = _rate(row["passed"], row["passed"] + row["failed"])
    return result


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


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate: the continuous percentile of a column within each group."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


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


def feedback_rates(*, user, filters: Filters = Filters(), now=None) -> list[dict]:
    """Feedback rate per interviewer (R-PIPE-7, issue 14 item 5): the human rounds in the viewer's scope that
    ended in the period (by their end, local time; without dates: every one ended so far) and took place
    (booked or completed: no cancellation, reschedule or no-show); per interviewer on the panel how many,
    how many with submitted feedback, the rate, how many still wait, and the median hours from the end to
    the submission (0 when submitted during the interview).

    One grouped query over the panel rows with the submission time as a subquery (median by
    ``percentile_cont`` on PostgreSQL; on SQLite from the same rows in numpy), and one for the names; lowest
    rate first: who to talk to."""
    from django.db.models import Case, DurationField, ExpressionWrapper, F, Subquery, When  # noqa: PLC0415
    from django.db.models.functions import Extract, Greatest  # noqa: PLC0415

    from hrsys.accounts.models import User  # noqa: PLC0415
    from interviews.models import InterviewFeedback  # noqa: PLC0415

    now = now or timezone.now()
    apps = applications(user=user, filters=filters, cohort=False)
    interviews = _in_range(Interview.objects.filter(
        application__in=apps.order_by().values("pk"), kind=InterviewKind.HUMAN, ends_at__lte=now,
        state__in=[InterviewState.SCHEDULED, InterviewState.CONFIRMED, InterviewState.COMPLETED]), "ends_at", filters)
    submitted = (InterviewFeedback.objects.submitted()
                 .filter(interview=OuterRef("interview_id"), interviewer=OuterRef("user_id")).values("submitted_at")[:1])
    panel = (Interview.interviewers.through.objects.filter(interview__in=interviews.order_by().values("pk"))
             .annotate(sub_at=Subquery(submitted), ended=F("interview__ends_at")))
    stats: dict[int, dict] = {}
    if connection.vendor == "postgresql":
        # GREATEST ignores NULL: without the CASE an unsubmitted row would count as 0 hours
        lag = Case(When(sub_at__isnull=False, then=Greatest(
            Extract(ExpressionWrapper(F("sub_at") - F("ended"), output_field=DurationField()), "epoch"), 0.0,
            output_field=FloatField())), default=None, output_field=FloatField())
        for r in (panel.annotate(lag=lag).values("user_id")
                  .annotate(n=Count("pk"), done=Count("sub_at"), p50=PercentileCont("lag", 0.5)).order_by()):
            stats[r["user_id"]] = {"n": r["n"], "done": r["done"], "p50": r["p50"]}
    else:
        lags: dict[int, list[float]] = defaultdict(list)
        for user_id, sub_at, ended in panel.values_list("user_id", "sub_at", "ended"):
            row = stats.setdefault(user_id, {"n": 0, "done": 0, "p50": None})
            row["n"] += 1
            if sub_at is not None:
                row["done"] += 1
                lags[user_id].append(max(0.0, (sub_at - ended).total_seconds()))
        for user_id, values in lags.items():
            stats[user_id]["p50"] = float(np.percentile(values, 50))
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=list(stats))}
    rows = [{"interviewer": names.get(uid, str(uid)), "interviewer_id": uid, "interviews": r["n"],
             "submitted": r["done"], "waiting": r["n"] - r["done"], "rate": _rate(r["done"], r["n"]),
             "median_hours": round(r["p50"] / 3600, 1) if r["p50"] is not None else None}
            for uid, r in stats.items()]
    return sorted(rows, key=lambda r: (r["rate"] if r["rate"] is not None else 1, r["interviewer"]))


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


# -- 3. headline figures with trends ----------------------------------------------------------------------

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


def ai_no_show_trend(*, user, filters: Filters = Filters()) -> dict:
    """AI interview no-show rate per period, overall, for interviews with a delivered reminder, and for
    slots re-booked after a no-show (R-DASH-1, R-NS-5)."""
    apps = applications(user=user, filters=filters, cohort=False)
    reminded = Notification.objects.filter(
        related_type=REMINDER_RELATED, related_id=Cast(OuterRef("pk"), CharField()),
        status__in=[NotificationStatus.DELIVERED, NotificationStatus.READ])
    qs = _in_range(Interview.objects.filter(application__in=apps, kind=InterviewKind.AI,
                                            state__in=[InterviewState.COMPLETED, InterviewState.NO_SHOW]),
                   "starts_at", filters)
    no_show = Q(state=InterviewState.NO_SHOW)
    rebooked = Q(previous__state=InterviewState.NO_SHOW)
    rows = (qs.annotate(reminded=Exists(reminded)).annotate(p=_trunc(filters.period, "starts_at"))
            .values("p").annotate(
                n=Count("pk"), no_show=Count("pk", filter=no_show),
                reminded_n=Count("pk", filter=Q(reminded=True)),
                reminded_no_show=Count("pk", filter=Q(reminded=True) & no_show),
                rebooked_n=Count("pk", filter=rebooked), rebooked_no_show=Count("pk", filter=rebooked & no_show))
            .order_by("p"))
    series = []
    totals = defaultdict(int)
    for r in rows:
        row = {"period": _period_key(r["p"], filters.period), **{k: r[k] for k in r if k != "p"}}
        for k in ("n", "no_show", "reminded_n", "reminded_no_show", "rebooked_n", "rebooked_no_show"):
            totals[k] += row[k]
        series.append(row)
    for row in [*series, totals]:
        row["rate"] = _rate(row["no_show"], row["n"])
        row["reminded_rate"] = _rate(row["reminded_no_show"], row["reminded_n"])
        row["rebooked_rate"] = _rate(row["rebooked_no_show"], row["rebooked_n"])
    return {"series": series, "total": dict(totals)}


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


def offer_acceptance(*, user, filters: Filters = Filters()) -> dict:
    """Answered offers per period (of the answer, or of sending for expired ones): accepted, declined,
    expired, acceptance rate (R-DASH-1)."""
    from onboarding.models import Offer, OfferState  # noqa: PLC0415

    apps = applications(user=user, filters=filters, cohort=False)
    qs = (Offer.objects.filter(application__in=apps,
                               state__in=[OfferState.ACCEPTED, OfferState.DECLINED, OfferState.EXPIRED])
          .annotate(answered=Coalesce("responded_at", "sent_at", "created_at")))
    qs = _in_range(qs, "answered", filters)
    rows = (qs.annotate(p=_trunc(filters.period, "answered")).values("p")
            .annotate(answered_n=Count("pk"), accepted=Count("pk", filter=Q(state=OfferState.ACCEPTED)),
                      declined=Count("pk", filter=Q(state=OfferState.DECLINED)),
                      expired=Count("pk", filter=Q(state=OfferState.EXPIRED))).order_by("p"))
    series, totals = [], defaultdict(int)
    for r in rows:
        row = {"period": _period_key(r["p"], filters.period), "answered": r["answered_n"],
               "accepted": r["accepted"], "declined": r["declined"], "expired": r["expired"]}
        for k in ("answered", "accepted", "declined", "expired"):
            totals[k] += row[k]
        series.append(row)
    for row in [*series, totals]:
        row["rate"] = _rate(row["accepted"], row["answered"])
    return {"series": series, "total": dict(totals)}


def reminder_rates(*, user, filters: Filters = Filters()) -> dict:
    """Interview reminders per period and channel: sent, delivery rate, open / answer rate, failures,
    from the materialised daily summary (R-DASH-1, R-NS-4). A job filter does not apply (reminders are
    summarised per department)."""
    qs = NotificationDaily.objects.for_user(user)
    if filters.department_id:
        qs = qs.filter(department_id__in=_department_ids(filters.department_id))
    if filters.date_from:
        qs = qs.filter(day__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(day__lte=filters.date_to)
    trunc = TruncWeek if filters.period == "week" else TruncMonth
    rows = (qs.annotate(p=trunc("day")).values("p", "channel")
            .annotate(sent=Sum("sent"), delivered=Sum("delivered"), opened=Sum("opened"), failed=Sum("failed"))
            .order_by("p", "channel"))
    series, totals = [], {}
    for r in rows:
        row = {"period": _period_key(r["p"], filters.period), "channel": r["channel"],
               **{k: r[k] or 0 for k in ("sent", "delivered", "opened", "failed")}}
        series.append(row)
        t = totals.setdefault(r["channel"], {"channel": r["channel"], "sent": 0, "delivered": 0, "opened": 0,
                                             "failed": 0})
        for k in ("sent", "delivered", "opened", "failed"):
            t[k] += row[k]
    for row in [*series, *totals.values()]:
        row["delivery_rate"] = _rate(row["delivered"], row["sent"])
        row["open_rate"] = _rate(row["opened"], row["delivered"])
    refreshed = qs.aggregate(at=Max("refreshed_at"))["at"]
    return {"series": series, "by_channel": sorted(totals.values(), key=lambda r: r["channel"]),
            "refreshed_at": refreshed}


# -- 4. sources and cost -----------------------------------------------------------------------------------

def _hired_q():
    return _reached(AppState.HIRED, HIRED_STATES)


def source_effectiveness(*, user, filters: Filters = Filters()) -> list[dict]:
    """Per source channel: applications, hires, conversion, probation passed / decided, recorded cost and
    cost per hire (R-DASH-1)."""
    apps = applications(user=user, filters=filters)
    counts = {r["source"]: r for r in apps.values("source").annotate(applications=Count("pk"),
                                                                     hires=Count("pk", filter=_hired_q()))}
    hired_ids = dict(apps.filter(_hired_q()).values_list("pk", "source"))
    outcomes = sources.hire_outcomes(hired_ids)
    probation = defaultdict(lambda: [0, 0])
    for pk, source in hired_ids.items():
        passed = outcomes[pk]["probation_passed"]
        if passed is not None:
            probation[source][1] += 1
            probation[source][0] += int(bool(passed))
    costs = _costs(user=user, filters=filters).values("source").annotate(total=Sum("amount"))
    cost_by_source = {r["source"]: r["total"] for r in costs}
    labels = dict(SourceChannel.choices)
    rows = []
    for source in [*SourceChannel.values]:
        c = counts.get(source)
        cost = cost_by_source.get(source)
        if not c and cost is None:
            continue
        n, hires = (c["applications"], c["hires"]) if c else (0, 0)
        passed, decided = probation[source]
        rows.append({"source": source, "label": str(labels[source]), "applications": n, "hires": hires,
                     "conversion": _rate(hires, n), "probation_passed": passed, "probation_decided": decided,
                     "probation_rate": _rate(passed, decided), "cost": cost,
                     "cost_per_hire": (cost / hires).quantize(Decimal("0.01")) if cost is not None and hires
                     else None})
    return rows


def _costs(*, user, filters):
    qs = CostRecord.objects.for_user(user)
    if filters.job_id:
        qs = qs.filter(job_id=filters.job_id)
    if filters.department_id:
        qs = qs.filter(department_id__in=_department_ids(filters.department_id))
    if filters.date_from:
        qs = qs.filter(month__gte=filters.date_from.replace(day=1))
    if filters.date_to:
        qs = qs.filter(month__lte=filters.date_to)
    return qs


def cost_per_hire(*, user, filters: Filters = Filters()) -> dict:
    """Recorded costs by kind and per job, hires in the same months, cost per hire (R-DASH-1). Hires are
    counted by the month they were hired in; costs by the month they were booked for."""
    costs = _costs(user=user, filters=filters)
    apps = applications(user=user, filters=filters, cohort=False)
    hires = _in_range(TransitionLog.objects.filter(application__in=apps, to_state=AppState.HIRED), "at", filters)
    hires_total = hires.values("application_id").distinct().count()
    hires_by_job = dict(hires.values("application__job_id").annotate(n=Count("application_id", distinct=True))
                        .values_list("application__job_id", "n"))
    total = costs.aggregate(total=Sum("amount"))["total"]
    kinds = dict(CostRecord.Kind.choices)
    by_kind = [{"kind": str(kinds.get(r["kind"], r["kind"])), "total": r["total"]}
               for r in costs.values("kind").annotate(total=Sum("amount")).order_by("-total")]
    per_job = []
    job_costs = costs.filter(job__isnull=False).values("job_id", "job__title").annotate(total=Sum("amount"))
    for r in job_costs.order_by("job__title"):
        n = hires_by_job.get(r["job_id"], 0)
        per_job.append({"job": r["job__title"], "cost": r["total"], "hires": n,
                        "cost_per_hire": (r["total"] / n).quantize(Decimal("0.01")) if n else None})
    return {"total": total, "hires": hires_total, "by_kind": by_kind, "per_job": per_job,
            "cost_per_hire": (total / hires_total).quantize(Decimal("0.01")) if total is not None and hires_total
            else None}


# -- 5. AI interview insights --------------------------------------------------------------------------------

OUTCOMES = [
    ("interview_pass", gettext_lazy("Passed the interviews"), 1),
    ("offer_accepted", gettext_lazy("Accepted the offer"), 1),
    ("probation_passed", gettext_lazy("Passed probation"), 1),
    ("late_count", gettext_lazy("Late arrivals in probation"), -1),
    ("left_within_year", gettext_lazy("Left within a year"), -1),
]
#: The exit reasons that speak to a dimension (R-AI-5): "high stress-tolerance scores but leavers cite
#: pressure". A leaver cites the theme when HR recorded that reason, or when the exit note mentions it.
DIMENSION_EXIT_THEMES = {
    "stress_tolerance": ("pressure", ("pressure", "stress", "压力", "工作强度", "burnout", "倦怠")),
    "learning": ("development", ("growth", "learning", "发展", "学习", "培训")),
    "communication": (None, ("communication", "沟通", "conflict", "冲突")),
    "teamwork": (None, ("team", "团队", "colleague", "同事")),
    "empathy": (None, ("patient", "患者", "empathy", "同理心")),
    "logic": (None, ("too complex", "复杂")),
}
HIGH_SCORE = 70


def _latest_ai_scores(apps, *, with_signals: bool = False) -> dict[int, dict]:
    """The latest AI result per application: dimension scores (0-100), overall, and the answer signals only
    when asked (the attrition model uses them; decoding them for the insights would double the work)."""
    from interviews.ai.models import AIInterviewResult  # noqa: PLC0415

    fields = ["application_id", "dimension_scores", "overall_score"] + (["signals"] if with_signals else [])
    rows = (AIInterviewResult.objects.filter(application__in=apps)
            .order_by("application_id", "-received_at", "-id").values_list(*fields))
    out: dict[int, dict] = {}
    for app_id, dims, overall, *signals in rows.iterator(chunk_size=5000):
        if app_id in out:
            continue
        scores = {k: float(v["score"]) for k, v in (dims or {}).items()
                  if isinstance(v, dict) and isinstance(v.get("score"), int | float)}
        out[app_id] = {"scores": scores, "overall": overall, "signals": (signals[0] if signals else None) or {}}
    return out


def application_outcomes(app_ids, apps) -> dict[int, dict]:
    """Per application: interview pass (reached offer / rejected after interviews), offer accepted, and the
    hire outcomes attendance records (probation, lateness, leaving)."""
    from onboarding.models import Offer, OfferState  # noqa: PLC0415

    ids = list(app_ids)
    reached_offer = set(apps.filter(_reached(AppState.OFFER, (AppState.OFFER, *HIRED_STATES)))
                        .values_list("pk", flat=True))
    failed_interviews = set(TransitionLog.objects.filter(application__in=apps, from_state=AppState.INTERVIEWING,
                                                         to_state__in=EXIT_STATES)
                            .values_list("application_id", flat=True))
    offers = dict(Offer.objects.filter(application__in=apps, state__in=[OfferState.ACCEPTED, OfferState.DECLINED,
                                                                        OfferState.EXPIRED])
                  .order_by("created_at", "pk").values_list("application_id", "state"))
    hired = set(apps.filter(_hired_q()).values_list("pk", flat=True))
    after = sources.hire_outcomes([pk for pk in ids if pk in hired])
    out = {}
    for pk in ids:
        interview_pass = True if pk in reached_offer else (False if pk in failed_interviews else None)
        offer = offers.get(pk)
        extra = after.get(pk, {})
        out[pk] = {"interview_pass": interview_pass,
                   "offer_accepted": None if offer is None else offer == OfferState.ACCEPTED,
                   "probation_passed": extra.get("probation_passed"), "late_count": extra.get("late_count"),
                   "left_within_year": extra.get("left_within_year"), "exit_reason": extra.get("exit_reason") or "",
                   "exit_note": extra.get("exit_note") or ""}
    return out


def _pearson(xs, ys):
    if len(xs) < 3:
        return None
    x, y = np.asarray(xs, float), np.asarray(ys, float)
    if x.std() == 0 or y.std() == 0:
        return None
    return round(float(np.corrcoef(x, y)[0, 1]), 3)


def dimension_labels(*, user) -> dict[str, str]:
    """Dimension key -> the label HR gave it on the jobs in the viewer's scope (the first one found)."""
    labels: dict[str, str] = {}
    for dims in JobRequisition.objects.for_user(user).exclude(assessment_dimensions=[]).values_list(
            "assessment_dimensions", flat=True):
        for d in dims or []:
            if isinstance(d, dict) and d.get("key") and d.get("label"):
                labels.setdefault(d["key"], d["label"])
    return labels


def ai_insights(*, user, filters: Filters = Filters()) -> dict:
    """Correlation of each AI dimension score with later outcomes, with sample sizes and a warning under
    :data:`MIN_SAMPLE`; suggested weight changes and question bank reviews (R-DASH-2, R-AI-5)."""
    apps = applications(user=user, filters=filters)
    scores = _latest_ai_scores(apps)
    outcomes = application_outcomes(scores, apps) if scores else {}
    dimensions = sorted({k for s in scores.values() for k in s["scores"]})
    labels = dimension_labels(user=user)
    # one matrix of scores and one of outcomes (NaN where unknown); each pair is a masked column pair
    ids = list(scores)
    x = np.array([[scores[pk]["scores"].get(dim, np.nan) for dim in dimensions] for pk in ids], dtype=float)
    y = np.array([[np.nan if outcomes[pk][key] is None else float(outcomes[pk][key]) for key, _l, _d in OUTCOMES]
                  for pk in ids], dtype=float)
    correlations = []
    for i, dim in enumerate(dimensions):
        for j, (key, label, _direction) in enumerate(OUTCOMES):
            both = ~np.isnan(x[:, i]) & ~np.isnan(y[:, j]) if ids else np.zeros(0, bool)
            xs, ys = x[both, i], y[both, j]
            correlations.append({"dimension": dim, "dimension_label": labels.get(dim, dim), "outcome": key,
                                 "outcome_label": str(label), "n": int(both.sum()),
                                 "r": _pearson(xs, ys), "small_sample": int(both.sum()) < MIN_SAMPLE})
    suggestions = []
    directions = {key: d for key, _label, d in OUTCOMES}
    for c in correlations:
        if c["small_sample"] or c["r"] is None or c["outcome"] not in ("probation_passed", "left_within_year",
                                                                       "late_count", "interview_pass"):
            continue
        good = c["r"] * directions[c["outcome"]]
        params = {"dim": c["dimension_label"], "outcome": c["outcome_label"], "r": c["r"], "n": c["n"]}
        if good >= 0.3:
            suggestions.append({"kind": "raise_weight", "dimension": c["dimension"], "text": _(
                "%(dim)s predicts “%(outcome)s” (r = %(r)s, n = %(n)s): consider a higher weight.") % params})
        elif good <= -0.3:
            suggestions.append({"kind": "review_questions", "dimension": c["dimension"], "text": _(
                "Higher %(dim)s went with worse “%(outcome)s” (r = %(r)s, n = %(n)s): review its questions.")
                % params})
        elif abs(c["r"]) < 0.1 and c["outcome"] in ("probation_passed", "left_within_year"):
            suggestions.append({"kind": "lower_weight", "dimension": c["dimension"], "text": _(
                "%(dim)s shows no relation to “%(outcome)s” (r = %(r)s, n = %(n)s): consider a lower weight.")
                % params})
    question_reviews = []
    leavers = [pk for pk, o in outcomes.items() if o["left_within_year"]]
    reason_labels = dict(AttritionReason.choices)
    for dim, (reason, words) in DIMENSION_EXIT_THEMES.items():
        high = [pk for pk in leavers if scores[pk]["scores"].get(dim, -1) >= HIGH_SCORE]
        if not high:
            continue
        citing = [pk for pk in high if (reason and outcomes[pk]["exit_reason"] == reason)
                  or any(w in outcomes[pk]["exit_note"].lower() for w in words)]
        share = _rate(len(citing), len(high))
        if citing and share >= 0.3:
            question_reviews.append({
                "dimension": dim, "leavers_high": len(high), "citing": len(citing), "share": share,
                "small_sample": len(high) < MIN_SAMPLE,
                "url": _admin("ai_interviews_question_changelist", query={"dimension": dim}),
                "text": _("High %(dim)s scores, but %(pct)s %% of the leavers who had them cite %(theme)s: "
                          "review the %(dim)s questions in the question bank.") % {
                    "dim": labels.get(dim, dim), "pct": round(share * 100),
                    "theme": str(reason_labels[reason]).lower() if reason else words[0]}})
    return {"dimensions": dimensions, "correlations": correlations, "suggestions": suggestions,
            "question_reviews": question_reviews, "results": len(scores), "min_sample": MIN_SAMPLE}
