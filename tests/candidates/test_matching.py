"""The match score and its breakdown (R-PIPE-5)."""

import datetime

import pytest

from candidates.matching import compute_match
from tests.candidates.factories import CandidateFactory, CredentialFactory, JobFactory

TODAY = datetime.date(2026, 6, 1)


def _job(**kw):
    base = {"skills": [{"name": "静脉穿刺", "weight": 3, "aliases": ["IV"]}, {"name": "分诊", "weight": 1}],
            "min_years": 4, "education_level": "bachelor", "required_credentials": ["nurse_licence", "bls"]}
    return JobFactory.build(**{**base, **kw})


def _cred(ctype, expires):
    return CredentialFactory.build(type=ctype, expires_on=expires)


def test_breakdown_parts_and_total():
    cand = CandidateFactory.build(skills=["iv"], years_experience=2, education="associate")
    creds = [_cred("nurse_licence", TODAY + datetime.timedelta(days=10)), _cred("bls", TODAY - datetime.timedelta(days=1))]
    total, b = compute_match(_job(), cand, creds, today=TODAY)
    assert b["skills"] == {"matched": ["静脉穿刺"], "missing": ["分诊"], "score": 30.0, "max": 40}  # 3/4 of 40
    assert b["experience"] == {"years": 2, "required": 4, "score": 12.5, "max": 25}
    assert b["education"] == {"level": "associate", "required": "bachelor", "score": 7.5, "max": 15}
    assert b["credentials"] == {"valid": ["nurse_licence"], "missing": [], "expired": ["bls"], "score": 10.0,
                                "max": 20}
    assert total == b["total"] == 60


def test_perfect_and_empty_candidates():
    perfect = CandidateFactory.build(skills=["静脉穿刺", "分诊"], years_experience=10, education="master")
    creds = [_cred("nurse_licence", None), _cred("bls", TODAY)]
    assert compute_match(_job(), perfect, creds, today=TODAY)[0] == 100
    empty = CandidateFactory.build(skills=[], years_experience=0, education="none")
    total, b = compute_match(_job(), empty, [], today=TODAY)
    assert total == 0 and b["credentials"]["missing"] == ["nurse_licence", "bls"]


def test_requirements_not_asked_for_score_full():
    job = _job(skills=[], min_years=0, education_level="none", required_credentials=[])
    assert compute_match(job, CandidateFactory.build(skills=[], years_experience=0, education="none"), [],
                         today=TODAY)[0] == 100


@pytest.mark.django_db
def test_new_credential_rescored_on_the_application(users, er_job):
    from candidates import services
    from tests.candidates.factories import ApplicationFactory

    app = ApplicationFactory(job=er_job)
    services.application_recompute_match(application_id=app.pk)
    app.refresh_from_db()
    assert app.match_breakdown["credentials"]["missing"] == ["nurse_licence"]
    services.credential_add(actor=users.hr, candidate_id=app.candidate_id, type="nurse_licence",
                            expires_on=datetime.date.today() + datetime.timedelta(days=30))
    app.refresh_from_db()
    assert app.match_breakdown["credentials"]["valid"] == ["nurse_licence"]
    assert app.match_breakdown["credentials"]["score"] == 20
