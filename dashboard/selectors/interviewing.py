"""The interview stage: each round's pass rate, interviewers' feedback rate, AI interview no-shows and the
reminders' delivery (R-DASH-1, R-NS-4, R-NS-5, R-PIPE-7)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Cast, Extract, Greatest, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import InterviewRound
from hrsys.accounts.models import User
from interviews.models import Interview, InterviewFeedback
from interviews.models import Kind as InterviewKind
from interviews.models import State as InterviewState
from notifications.models import Notification
from notifications.models import Status as NotificationStatus

from ..models import NotificationDaily
from ._common import (
    NEGATIVE,
    POSITIVE,
    REMINDER_RELATED,
    PercentileCont,
    _in_range,
    _period_key,
    _rate,
    _trunc,
)
from .filters import Filters, _department_ids, applications


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


def feedback_rates(*, user, filters: Filters = Filters(), now=None) -> list[dict]:
    """Feedback rate per interviewer (R-PIPE-7, issue 14 item 5): the human rounds in the viewer's scope that
    ended in the period (by their end, local time; without dates: every one ended so far) and took place
    (booked or completed: no cancellation, reschedule or no-show); per interviewer on the panel how many,
    how many with submitted feedback, the rate, how many still wait, and the median hours from the end to
    the submission (0 when submitted during the interview).

    One grouped query over the panel rows with the submission time as a subquery (median by
    ``percentile_cont`` on PostgreSQL; on SQLite from the same rows in numpy), and one for the names; lowest
    rate first: who to talk to."""
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


def ai_no_show_trend(*, user, filters: Filters = Filters()) -> dict:
    """AI interview no-show rate per period, overall, for interviews with a delivered reminder, and for
    slots re-booked after a no-show (R-DASH-1, R-NS-5)."""
    return _no_show_trend(user=user, filters=filters, ai=True)


def human_no_show_trend(*, user, filters: Filters = Filters()) -> dict:
    """The same for the rounds people hold (every kind but the AI interview), so HR sees whether reminders
    and re-booking work there too (issue 18 item 6)."""
    return _no_show_trend(user=user, filters=filters, ai=False)


def _no_show_trend(*, user, filters: Filters, ai: bool) -> dict:
    apps = applications(user=user, filters=filters, cohort=False)
    reminded = Notification.objects.filter(
        related_type=REMINDER_RELATED, related_id=Cast(OuterRef("pk"), CharField()),
        status__in=[NotificationStatus.DELIVERED, NotificationStatus.READ])
    held = Interview.objects.filter(application__in=apps,
                                    state__in=[InterviewState.COMPLETED, InterviewState.NO_SHOW])
    held = held.filter(kind=InterviewKind.AI) if ai else held.exclude(kind=InterviewKind.AI)
    qs = _in_range(held, "starts_at", filters)
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
