"""Attrition risk for new hires (R-DASH-3): a logistic regression trained on the organisation's own
history, explained per person by coefficient x standardised value.

Training uses every past hire whose outcome ("left within a year") attendance recorded, across the
organisation (it is the organisation's model); predictions are shown only for hires within the
viewer's scope, only to staff, never in the portal. With fewer than :data:`MIN_HISTORY` known
outcomes, or only one class, the model stays disabled and says why.
"""

import math

import numpy as np
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from candidates.models import Application, SourceChannel, TransitionLog
from candidates.models import State as AppState
from candidates.selectors import assessment_dimension_labels

from . import sources
from .models import AttritionModel
from .selectors import HIRED_STATES, _latest_ai_scores

MIN_HISTORY = 50
ATTENDANCE_FEATURES = ("late_count", "leave_count", "absence_count")
MAX_SIGNALS = 10
TOP_FACTORS = 3


def _hires(qs):
    hired_log = TransitionLog.objects.filter(to_state=AppState.HIRED)
    return qs.filter(Q(state__in=HIRED_STATES) | Q(pk__in=hired_log.values("application_id")))


def _numeric_signals(signals: dict) -> dict[str, float]:
    return {k: float(v) for k, v in (signals or {}).items() if isinstance(v, int | float) and not isinstance(v, bool)}


def _raw_features(app_ids, apps_qs) -> tuple[dict[int, dict], dict[int, dict]]:
    ai = _latest_ai_scores(apps_qs, with_signals=True)
    source = dict(apps_qs.values_list("pk", "source"))
    outcomes = sources.hire_outcomes(app_ids)
    raw = {}
    for pk in app_ids:
        s = ai.get(pk, {"scores": {}, "overall": None, "signals": {}})
        row = {f"ai:{k}": v for k, v in s["scores"].items()}
        if s["overall"] is not None:
            row["ai:overall"] = float(s["overall"])
        row.update({f"signal:{k}": v for k, v in _numeric_signals(s["signals"]).items()})
        row[f"source:{source.get(pk, 'other')}"] = 1.0
        for key in ATTENDANCE_FEATURES:
            if outcomes[pk].get(key) is not None:
                row[f"attendance:{key}"] = float(outcomes[pk][key])
        raw[pk] = row
    return raw, outcomes


def _feature_names(raw: dict[int, dict]) -> list[str]:
    names = sorted({k for row in raw.values() for k in row})
    signals = [n for n in names if n.startswith("signal:")][:MAX_SIGNALS]
    sources_ = [f"source:{s}" for s in SourceChannel.values]
    return [n for n in names if n.startswith("ai:")] + signals + sources_ + \
        [n for n in names if n.startswith("attendance:")]


def _matrix(raw, ids, names, means=None):
    x = np.full((len(ids), len(names)), np.nan)
    for i, pk in enumerate(ids):
        for j, name in enumerate(names):
            value = raw[pk].get(name)
            if value is not None:
                x[i, j] = value
            elif name.startswith("source:"):
                x[i, j] = 0.0
    if means is None:
        with np.errstate(all="ignore"):
            means = np.nan_to_num(np.nanmean(x, axis=0))
    means = np.asarray(means, float)
    rows, cols = np.where(np.isnan(x))
    x[rows, cols] = means[cols]  # a missing value counts as average: contributes nothing
    return x, means


@transaction.atomic
def attrition_train(*, now=None) -> AttritionModel:
    """Train on the organisation's history and store the result, or a disabled row explaining why
    (R-DASH-3)."""
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 - heavy import, only when training

    now = now or timezone.now()
    hires_qs = _hires(Application.objects.all())
    ids = list(hires_qs.values_list("pk", flat=True))
    raw, outcomes = _raw_features(ids, hires_qs)
    known = [pk for pk in ids if outcomes[pk].get("left_within_year") is not None]
    y = np.array([1 if outcomes[pk]["left_within_year"] else 0 for pk in known])
    positives = int(y.sum()) if len(y) else 0
    if len(known) < MIN_HISTORY or positives in (0, len(known)):
        message = _("Not enough history yet: %(n)s past hires with a known outcome (at least %(min)s are needed, "
                    "with both leavers and stayers); %(pos)s of them left within a year. The risk estimate "
                    "appears once attendance has recorded enough probation and exit outcomes.") % {
            "n": len(known), "min": MIN_HISTORY, "pos": positives}
        return AttritionModel.objects.create(trained_at=now, status=AttritionModel.Status.DISABLED,
                                             message=message, samples=len(known), positives=positives)
    names = _feature_names({pk: raw[pk] for pk in known})
    x, means = _matrix(raw, known, names)
    scales = x.std(axis=0)
    scales[scales == 0] = 1.0
    z = (x - means) / scales
    model = LogisticRegression(max_iter=1000, C=1.0)
    model.fit(z, y)
    accuracy = float(model.score(z, y))
    return AttritionModel.objects.create(
        trained_at=now, status=AttritionModel.Status.TRAINED, samples=len(known), positives=positives,
        features=names, means=[float(v) for v in means], scales=[float(v) for v in scales],
        coefficients=[float(v) for v in model.coef_[0]], intercept=float(model.intercept_[0]),
        training_accuracy=round(accuracy, 4),
        message=_("Trained on %(n)s past hires, %(pos)s of whom left within a year.") % {
            "n": len(known), "pos": positives})


def current_model() -> AttritionModel | None:
    return AttritionModel.objects.order_by("-trained_at", "-id").first()


def retrain_if_due(now) -> str:
    """Daily: skip when a model was trained today (local date)."""
    latest = current_model()
    if latest is not None and timezone.localdate(latest.trained_at) == timezone.localdate(now):
        return "skipped: trained today"
    model = attrition_train(now=now)
    return f"{model.status}: {model.samples} samples"


#: Answer signals the AI vendors report, in words; another vendor's key is shown with its underscores as spaces.
SIGNAL_LABELS = {
    "avg_answer_seconds": gettext_lazy("average answer time (seconds)"),
    "emotion_volatility": gettext_lazy("emotional volatility"),
}


def feature_label(name: str, dimensions: dict[str, str] | None = None) -> str:
    """A model feature in words: the job's label for an AI dimension ("AI score: 抗压能力"), not its key."""
    kind, _sep, key = name.partition(":")
    if kind == "ai":
        named = _("overall") if key == "overall" else (dimensions or {}).get(key) or key.replace("_", " ")
        return _("AI score: %(key)s") % {"key": named}
    if kind == "signal":
        return _("Answer signal: %(key)s") % {"key": SIGNAL_LABELS.get(key) or key.replace("_", " ")}
    if kind == "source":
        labels = dict(SourceChannel.choices)
        return _("Source: %(key)s") % {"key": labels.get(key, key)}
    attendance = {"late_count": _("Attendance: late arrivals"), "leave_count": _("Attendance: leave requests"),
                  "absence_count": _("Attendance: days absent")}
    return attendance.get(key) or _("Attendance: %(key)s") % {"key": key}


def attrition_risks(*, user, now=None) -> dict:
    """Risk and main contributing factors for each new hire in the viewer's scope whose outcome is not
    known yet and who was hired within the last year (R-DASH-3). Staff only."""
    now = now or timezone.now()
    model = current_model()
    if model is None or model.status != AttritionModel.Status.TRAINED:
        return {"enabled": False, "model": model, "rows": [],
                "message": model.message if model else _("The model has not been trained yet; the daily job "
                                                         "trains it once enough history exists.")}
    scoped = Application.objects.for_user(user)
    hires = _hires(scoped).annotate(hired_at=Max("transitions__at", filter=Q(transitions__to_state=AppState.HIRED)))
    hires = hires.filter(Q(hired_at__gte=now - timezone.timedelta(days=365))
                         | Q(hired_at__isnull=True, state_changed_at__gte=now - timezone.timedelta(days=365)))
    apps = {a.pk: a for a in hires.select_related("candidate", "job")}
    ids = list(apps)
    raw, outcomes = _raw_features(ids, scoped.filter(pk__in=ids))
    ids = [pk for pk in ids if outcomes[pk].get("left_within_year") is None]
    rows = []
    dimensions = assessment_dimension_labels(user=user)
    if ids:
        x, _means = _matrix(raw, ids, model.features, means=model.means)
        z = (x - np.asarray(model.means)) / np.asarray(model.scales)
        contributions = z * np.asarray(model.coefficients)
        logits = contributions.sum(axis=1) + model.intercept
        for i, pk in enumerate(ids):
            order = np.argsort(-contributions[i])
            factors = [{"feature": model.features[j], "label": feature_label(model.features[j], dimensions),
                        "contribution": round(float(contributions[i, j]), 3)}
                       for j in order[:TOP_FACTORS] if contributions[i, j] > 0]
            app = apps[pk]
            rows.append({"application_id": pk, "candidate": str(app.candidate), "job": app.job.title,
                         "hired_at": app.hired_at or app.state_changed_at,
                         "risk": round(1 / (1 + math.exp(-float(logits[i]))), 3), "factors": factors})
    rows.sort(key=lambda r: -r["risk"])
    return {"enabled": True, "model": model, "rows": rows, "message": model.message}
