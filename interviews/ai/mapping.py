"""From a vendor's scores to the job's dimensions on 0-100, and the decision they imply (R-AI-3, R-PIPE-3)."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .adapters.base import PayloadError
from .models import Decision

KEY_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,60}$")
JOB_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def validate_dimension_map(value) -> None:
    """``[{"vendor": "logic", "dimension": "logic", "min": 1, "max": 5}, ...]``; checked when a vendor is saved."""
    if not isinstance(value, list):
        raise ValidationError(_("The dimension mapping must be a list."))
    seen = set()
    for i, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise ValidationError(_("Mapping %(n)s is not an object.") % {"n": i})
        unknown = set(item) - {"vendor", "dimension", "min", "max"}
        if unknown:
            raise ValidationError(_("Mapping %(n)s has unknown keys: %(keys)s.") % {"n": i, "keys": ", ".join(sorted(unknown))})
        vendor_key, dim = item.get("vendor"), item.get("dimension")
        if not isinstance(vendor_key, str) or not KEY_RE.match(vendor_key):
            raise ValidationError(_("Mapping %(n)s needs the vendor's dimension name (letters, digits, _ . -).") % {"n": i})
        if not isinstance(dim, str) or not JOB_KEY_RE.match(dim):
            raise ValidationError(_("Mapping %(n)s needs a job dimension key of lowercase letters, digits and _.") % {"n": i})
        lo, hi = item.get("min", 0), item.get("max", 100)
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lo, hi)) or hi <= lo:
            raise ValidationError(_("Mapping %(n)s: min and max must be numbers with max above min.") % {"n": i})
        if vendor_key in seen:
            raise ValidationError(_("The vendor dimension %(key)s is mapped twice.") % {"key": vendor_key})
        seen.add(vendor_key)


def convert(raw: float, lo: float, hi: float, *, field: str) -> float:
    """Linear conversion of ``raw`` on [lo, hi] to 0-100, one decimal; outside the scale is a 400."""
    if raw < lo or raw > hi:
        raise PayloadError(_("%(field)s is %(raw)s, outside the vendor's scale %(lo)s-%(hi)s.")
                           % {"field": field, "raw": _fmt(raw), "lo": _fmt(lo), "hi": _fmt(hi)},
                           code="out_of_range", fields={field: [_("Outside the scale %(lo)s-%(hi)s.")
                                                                % {"lo": _fmt(lo), "hi": _fmt(hi)}]})
    return round((raw - lo) / (hi - lo) * 100, 1)


def _fmt(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else str(n)


def map_scores(vendor, overall_raw, dimensions: dict) -> tuple[float | None, dict, dict]:
    """(overall 0-100, {job_key: {"raw", "scale", "score", "vendor_key"}}, {vendor_key: raw not mapped})."""
    overall = None
    if overall_raw is not None:
        overall = convert(overall_raw, vendor.overall_min, vendor.overall_max, field="overall_score")
    by_vendor = {m["vendor"]: m for m in vendor.dimension_map or []}
    mapped, unmapped = {}, {}
    for key, raw in dimensions.items():
        m = by_vendor.get(key)
        if m is not None:
            lo, hi, job_key = m.get("min", 0), m.get("max", 100), m["dimension"]
        elif JOB_KEY_RE.match(key):
            lo, hi, job_key = vendor.overall_min, vendor.overall_max, key
        else:
            unmapped[key] = raw
            continue
        score = convert(raw, lo, hi, field=f"dimensions.{key}")
        if job_key in mapped:
            raise PayloadError(_("Two vendor dimensions map to %(key)s.") % {"key": job_key}, code="ambiguous",
                               fields={f"dimensions.{key}": [_("Maps to a dimension already given.")]})
        mapped[job_key] = {"raw": raw, "scale": [lo, hi], "score": score, "vendor_key": key}
    return overall, mapped, unmapped


def overall_thresholds(policy) -> tuple[float, float]:
    passing = getattr(policy, "overall_pass", None)
    borderline = getattr(policy, "overall_borderline", None)
    if passing is None:
        passing = float(getattr(settings, "AI_INTERVIEWS_DEFAULT_PASS", 70))
    if borderline is None:
        borderline = min(passing, float(getattr(settings, "AI_INTERVIEWS_DEFAULT_BORDERLINE", 60)))
    return passing, borderline


def decide(job, policy, overall: float | None, dimension_scores: dict) -> tuple[str, dict]:
    """The job's thresholds decide (R-PIPE-3): every dimension at or above ``pass`` -> pass; any below
    ``borderline`` -> fail; otherwise, or when a scored dimension is missing, borderline (HR looks).

    A result without dimension scores is judged by its overall score (the job's ``overall``
    dimension when it has one, else the job's AI policy / the defaults).
    """
    dims = [d for d in (job.assessment_dimensions or []) if d["key"] != "overall" or "overall" in dimension_scores]
    checks = []
    if dims and dimension_scores:
        for d in dims:
            got = dimension_scores.get(d["key"])
            score = got["score"] if got else None
            if score is None:
                verdict = "missing"
            elif score >= d["pass"]:
                verdict = Decision.PASS
            elif score < d["borderline"]:
                verdict = Decision.FAIL
            else:
                verdict = Decision.BORDERLINE
            checks.append({"key": d["key"], "label": d.get("label", d["key"]), "score": score,
                           "pass": d["pass"], "borderline": d["borderline"], "verdict": verdict})
    else:
        overall_dim = next((d for d in job.assessment_dimensions or [] if d["key"] == "overall"), None)
        passing, borderline = ((overall_dim["pass"], overall_dim["borderline"]) if overall_dim
                               else overall_thresholds(policy))
        if overall is None:
            verdict = "missing"
        elif overall >= passing:
            verdict = Decision.PASS
        elif overall < borderline:
            verdict = Decision.FAIL
        else:
            verdict = Decision.BORDERLINE
        checks.append({"key": "overall", "label": str(_("Overall")), "score": overall, "pass": passing,
                       "borderline": borderline, "verdict": verdict})
    verdicts = {c["verdict"] for c in checks}
    if Decision.FAIL in verdicts:
        decision = Decision.FAIL
    elif verdicts == {Decision.PASS}:
        decision = Decision.PASS
    else:
        decision = Decision.BORDERLINE
    return decision, {"checks": checks}
