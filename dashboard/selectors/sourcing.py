"""Where hires come from and what they cost: per source channel and per job (R-DASH-1)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Sum

from candidates.models import SourceChannel, TransitionLog
from candidates.models import State as AppState

from .. import sources
from ..models import CostRecord
from ._common import _hired_q, _in_range, _rate
from .filters import Filters, _department_ids, applications


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
