"""A job set up purely through the API gets follow-up questions for a weak dimension, matched by its job family
or by its question tags, from its own organisation's bank only (R-AI-5, R-INT-4)."""

import pytest

from tests.ai_interviews.factories import ApplicationFactory, InvitationFactory
from tests.ai_interviews.test_ingest import result_body
from tests.factories import UserFactory

DIMENSIONS = [{"key": "stress_tolerance", "label": "抗压能力", "pass": 60, "borderline": 40},
              {"key": "logic", "label": "逻辑思维", "pass": 50, "borderline": 30}]


def _question(client, org_id, text, **extra):
    body = {"organisation": org_id, "text": text, "dimension": "stress_tolerance", "use_for": "weak", **extra}
    response = client.post("/api/v1/ai-interviews/questions/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


@pytest.mark.parametrize("match", ["family", "tags"])
def test_r_ai_5_job_created_through_the_api_gets_follow_ups_for_a_weak_dimension(
        match, org, users, api_as, generic_vendor, post_result, worker):
    """R-AI-5: job (family or tags) and questions through the API, a signed result with weak stress tolerance:
    the question of the job's family or tags is suggested; another family's, another tag's and another
    organisation's general one (fits any job, but in another bank) are not."""
    hr = api_as(users.hr)
    settings = {"job_family": "icu_nursing"} if match == "family" else {"question_tags": ["ICU"]}
    response = hr.post("/api/v1/jobs/", {"department": org.emergency.pk, "title": "ICU 护士", "status": "open",
                                         "assessment_dimensions": DIMENSIONS, **settings}, format="json")
    assert response.status_code == 201, response.json()
    job_id = response.json()["id"]

    by_family = _question(hr, org.hospital.pk, "连续抢救后你如何调整自己？", job_family="icu_nursing")
    by_tag = _question(hr, org.hospital.pk, "ICU 夜班突发情况你怎么处理？", job_family="surgery", tags=["icu"])
    other_family = _question(hr, org.hospital.pk, "服务器宕机时你怎么办？", job_family="it", tags=["server"])
    company_hr = api_as(UserFactory(username="company_hr", role="hr_staff", departments=[org.company]))
    other_org = _question(company_hr, org.company.pk, "公司题库的问题")
    hr = api_as(users.hr)  # the same client object: log HR in again

    app = ApplicationFactory(job_id=job_id, state="ai_invited")
    InvitationFactory(application=app, vendor=generic_vendor, assessment_id="A-1")
    assert post_result(result_body(dimensions={"stress": 2, "logic": 4})).status_code == 202  # stress 25 < 60
    worker.run()

    response = hr.get(f"/api/v1/ai-interviews/applications/{app.pk}/follow-up-questions/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["dimension"], r["reason"]) for r in results] == [("stress_tolerance", "weak")]
    suggested = [q["id"] for q in results[0]["questions"]]
    specific = by_family if match == "family" else by_tag
    # exactly the one that fits: two suggestions fit in a dimension, so any leak would show here
    assert suggested == [specific]
    for absent in (by_tag if match == "family" else by_family, other_family, other_org):
        assert absent not in suggested
