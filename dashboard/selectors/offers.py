"""Offers answered per period: accepted, declined, expired and the acceptance rate (R-DASH-1)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q
from django.db.models.functions import Coalesce

from onboarding.models import Offer, OfferState

from ._common import _in_range, _period_key, _rate, _trunc
from .filters import Filters, applications


def offer_acceptance(*, user, filters: Filters = Filters()) -> dict:
    """Answered offers per period (of the answer, or of sending for expired ones): accepted, declined,
    expired, acceptance rate (R-DASH-1)."""
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
