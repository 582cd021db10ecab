"""AI interview insights: each dimension's score against what happened later (interviews, offer, probation,
lateness, leaving), suggested weights and question bank reviews (R-DASH-2, R-AI-5)."""

from __future__ import annotations

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from candidates.models import State as AppState
from candidates.models import TransitionLog
from candidates.selectors import assessment_dimension_labels
from employees.models import AttritionReason
from interviews.ai.models import AIInterviewResult
from onboarding.models import Offer, OfferState

from .. import sources
from ._common import EXIT_STATES, HIRED_STATES, MIN_SAMPLE, _admin, _hired_q, _rate, _reached
from .filters import Filters, applications

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


def ai_insights(*, user, filters: Filters = Filters()) -> dict:
    """Correlation of each AI dimension score with later outcomes, with sample sizes and a warning under
    :data:`MIN_SAMPLE`; suggested weight changes and question bank reviews (R-DASH-2, R-AI-5)."""
    apps = applications(user=user, filters=filters)
    scores = _latest_ai_scores(apps)
    outcomes = application_outcomes(scores, apps) if scores else {}
    dimensions = sorted({k for s in scores.values() for k in s["scores"]})
    labels = assessment_dimension_labels(user=user)
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
