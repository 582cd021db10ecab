"""The explainable match score of a candidate for a job, 0-100 (R-PIPE-5).

Four parts, each with its share of the 100 points and the facts behind it, so HR
can see *why* an application scores what it does:

* skills (40): weight of the job's skills the candidate has / weight of all of them;
* experience (25): years against the job's minimum (full marks at or above it);
* education (15): full at or above the job's level, half one level below, else 0;
* credentials (20): share of the required credentials held and unexpired today.

A part the job does not ask for (no skills listed, no minimum...) scores full marks.
Pure function: the service stores the result on the application.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import EDUCATION_RANK, CredentialType, Education

WEIGHTS = {"skills": 40, "experience": 25, "education": 15, "credentials": 20}


def compute_match(job, candidate, credentials=None, *, today=None) -> tuple[int, dict]:
    today = today or timezone.localdate()
    credentials = list(candidate.credentials.all()) if credentials is None else list(credentials)
    parts = {
        "skills": _skills(job, candidate),
        "experience": _experience(job, candidate),
        "education": _education(job, candidate),
        "credentials": _credentials(job, credentials, today),
    }
    for name, part in parts.items():
        part["max"] = WEIGHTS[name]
        part["score"] = round(part.pop("ratio") * WEIGHTS[name], 1)
    total = round(sum(p["score"] for p in parts.values()))
    return total, {**parts, "total": total}


def _skills(job, candidate) -> dict:
    required = job.skills or []
    if not required:
        return {"ratio": 1.0, "matched": [], "missing": []}
    have = {s.strip().lower() for s in candidate.skills or []}
    matched, missing = [], []
    for skill in required:
        words = {w.strip().lower() for w in [skill["name"], *skill.get("aliases", [])]}
        (matched if words & have else missing).append(skill["name"])
    weight = {s["name"]: s.get("weight", 1) for s in required}
    ratio = sum(weight[n] for n in matched) / sum(weight.values())
    return {"ratio": ratio, "matched": matched, "missing": missing}


def _experience(job, candidate) -> dict:
    years, minimum = candidate.years_experience or 0, job.min_years or 0
    ratio = 1.0 if minimum == 0 else min(years / minimum, 1.0)
    return {"ratio": ratio, "years": years, "required": minimum}


def _education(job, candidate) -> dict:
    need, have = EDUCATION_RANK[job.education_level or Education.NONE], EDUCATION_RANK[candidate.education or Education.NONE]
    ratio = 1.0 if have >= need else 0.5 if have == need - 1 else 0.0
    return {"ratio": ratio, "level": candidate.education, "required": job.education_level}


def _credentials(job, credentials, today) -> dict:
    required = job.required_credentials or []
    if not required:
        return {"ratio": 1.0, "valid": [], "missing": [], "expired": []}
    valid, missing, expired = [], [], []
    for ctype in required:
        mine = [c for c in credentials if c.type == ctype]
        if any(c.is_valid_on(today) for c in mine):
            valid.append(ctype)
        elif mine:
            expired.append(ctype)
        else:
            missing.append(ctype)
    return {"ratio": len(valid) / len(required), "valid": valid, "missing": missing, "expired": expired}


def match_in_words(breakdown: dict) -> list[dict]:
    """The match breakdown as sentences (skills, experience, education, credentials)."""
    def cred(types):
        return ", ".join(str(CredentialType(t).label) if t in CredentialType.values else t for t in types)

    def edu(level):
        return str(Education(level).label) if level in Education.values else (level or "-")

    rows = []
    b = breakdown or {}
    if "skills" in b:
        p = b["skills"]
        words = (_("has %(m)s") % {"m": ", ".join(p["matched"])} if p.get("matched") else "")
        if p.get("missing"):
            words = "; ".join(w for w in [words, _("lacks %(m)s") % {"m": ", ".join(p["missing"])}] if w)
        rows.append({"label": _("Skills"), "score": p.get("score"), "max": p.get("max"),
                     "words": words or _("the job lists no skills")})
    if "experience" in b:
        p = b["experience"]
        rows.append({"label": _("Experience"), "score": p.get("score"), "max": p.get("max"),
                     "words": _("%(y)s years (the job asks for %(r)s)") % {"y": p.get("years"), "r": p.get("required")}})
    if "education" in b:
        p = b["education"]
        rows.append({"label": _("Education"), "score": p.get("score"), "max": p.get("max"),
                     "words": _("%(have)s (the job asks for %(need)s)") % {"have": edu(p.get("level")),
                                                                           "need": edu(p.get("required"))}})
    if "credentials" in b:
        p = b["credentials"]
        bits = []
        if p.get("valid"):
            bits.append(_("valid: %(c)s") % {"c": cred(p["valid"])})
        if p.get("expired"):
            bits.append(_("expired: %(c)s") % {"c": cred(p["expired"])})
        if p.get("missing"):
            bits.append(_("missing: %(c)s") % {"c": cred(p["missing"])})
        rows.append({"label": _("Credentials"), "score": p.get("score"), "max": p.get("max"),
                     "words": "; ".join(bits) or _("the job requires none")})
    return rows
