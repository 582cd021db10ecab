"""AI interview configuration over the API (R-INT-4): vendors with write-only secrets, a job's AI policy and
backup pool, the question bank (R-AI-5); the job API's round ids, job family and question tags.

Every route: HR / HR director / administrator as the role table allows, interviewer and hiring manager 403,
another organisation's HR 404, anonymous refused (401/403: not authenticated); bad input 400 with field messages and nothing saved.
"""

import json

import pytest
from rest_framework.test import APIClient

from candidates.models import InterviewRound, JobRequisition
from hrsys.audit.models import AuditEvent
from interviews.ai.models import JobAIPolicy, Question, Vendor
from tests.ai_interviews.factories import ApplicationFactory, JobFactory, QuestionFactory, VendorFactory
from tests.factories import UserFactory

SECRET = "a-new-vendor-secret-0123456789"
API_KEY = "vendor-api-key-9f8e7d6c"

VENDOR = {"slug": "newvendor", "name": "New Vendor", "adapter": "interviews.ai.adapters.generic.GenericAdapter",
          "secret": SECRET, "api_key": API_KEY, "media_url_hosts": ["media.newvendor.example"],
          "dimension_map": [{"vendor": "logic", "dimension": "logic", "min": 1, "max": 5}]}


@pytest.fixture
def company_hr(org):
    return UserFactory(username="company_hr", role="hr_staff", departments=[org.company])


def assert_anonymous_refused(response):
    """No session or token: refused as not authenticated. The platform's first authenticator is the session
    one, so DRF answers 403 where a token-only API would say 401; either way the code says why."""
    assert response.status_code in (401, 403) and response.json()["error"]["code"] == "not_authenticated"


def _fields(response) -> dict:
    return response.json()["error"]["fields"]


# -- vendors: secrets write-only ----------------------------------------------------------------------------

def test_r_int_4_vendor_created_and_changed_through_the_api_secrets_never_returned(users, api_as):
    """R-INT-4: the administrator adds and changes a vendor; secrets are accepted, stored encrypted, answered
    only as *_set flags, and masked in the audit log."""
    client = api_as(users.admin)
    response = client.post("/api/v1/ai-interviews/vendors/", VENDOR, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["secret_set"] is True and body["api_key_set"] is True and body["previous_secret_set"] is False
    raw = json.dumps(body)
    assert SECRET not in raw and API_KEY not in raw and "secret" not in {k for k in body if not k.endswith("_set")}
    vendor = Vendor.objects.get(slug="newvendor")
    assert vendor.secret == SECRET and vendor.api_key == API_KEY
    for url in ("/api/v1/ai-interviews/vendors/", f"/api/v1/ai-interviews/vendors/{vendor.pk}/"):
        text = client.get(url).content.decode()
        assert SECRET not in text and API_KEY not in text
    rotated = "rotated-secret-abcdefghijklmnop"
    response = client.patch(f"/api/v1/ai-interviews/vendors/{vendor.pk}/",
                            {"secret": rotated, "previous_secret": SECRET, "name": "Renamed"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["previous_secret_set"] is True and rotated not in response.content.decode()
    vendor.refresh_from_db()
    assert (vendor.secret, vendor.previous_secret, vendor.name) == (rotated, SECRET, "Renamed")
    events = AuditEvent.objects.filter(action__startswith="ai_vendor.").order_by("id")
    assert [e.action for e in events] == ["ai_vendor.create", "ai_vendor.update"]
    logged = json.dumps([e.changes for e in events])
    assert SECRET not in logged and rotated not in logged and API_KEY not in logged
    assert "secret" in events[1].changes and "name" in events[1].changes


def test_r_int_4_vendor_bad_input_is_400_naming_fields_and_nothing_saved(users, api_as):
    client = api_as(users.admin)
    bad = {**VENDOR, "secret": "short", "media_url_hosts": ["https://x.example/"], "adapter": "os.system",
           "unknown": 1}
    response = client.post("/api/v1/ai-interviews/vendors/", bad, format="json")
    assert response.status_code == 400
    assert {"secret", "adapter", "unknown"} <= set(_fields(response))
    # the model's own rules (host list, scale) also answer 400 with the field
    response = client.post("/api/v1/ai-interviews/vendors/", {**VENDOR, "media_url_hosts": ["*.example"],
                                                               "overall_min": 10, "overall_max": 5}, format="json")
    assert response.status_code == 400 and {"media_url_hosts", "overall_max"} <= set(_fields(response))
    assert not Vendor.objects.filter(slug="newvendor").exists()
    vendor = VendorFactory(slug="kept", name="Kept")
    response = client.patch(f"/api/v1/ai-interviews/vendors/{vendor.pk}/",
                            {"name": "Changed", "dimension_map": [{"vendor": "x"}]}, format="json")
    assert response.status_code == 400 and "dimension_map" in _fields(response)
    vendor.refresh_from_db()
    assert vendor.name == "Kept"
    assert not AuditEvent.objects.filter(action__startswith="ai_vendor.").exists()


@pytest.mark.parametrize("role", ["hr", "director", "er_manager", "interviewer"])
def test_r_int_4_vendors_stay_with_the_system_administrator(users, api_as, role):
    """R-INT-4, R-SEC-1: vendors serve every organisation; the role table gives them to the administrator."""
    vendor = VendorFactory(slug="v1")
    client = api_as(getattr(users, role))
    assert client.get("/api/v1/ai-interviews/vendors/").status_code == 403
    assert client.post("/api/v1/ai-interviews/vendors/", VENDOR, format="json").status_code == 403
    assert client.patch(f"/api/v1/ai-interviews/vendors/{vendor.pk}/", {"name": "x"}, format="json").status_code == 403
    assert not Vendor.objects.filter(slug="newvendor").exists() and Vendor.objects.get(pk=vendor.pk).name != "x"


def test_r_int_4_config_routes_refuse_anonymous(db):
    client = APIClient()
    for url in ("/api/v1/ai-interviews/vendors/", "/api/v1/ai-interviews/job-policies/",
                "/api/v1/ai-interviews/questions/"):
        assert_anonymous_refused(client.get(url))
        assert_anonymous_refused(client.post(url, {}, format="json"))
    for url in ("/api/v1/ai-interviews/vendors/1/", "/api/v1/ai-interviews/job-policies/1/",
                "/api/v1/ai-interviews/questions/1/"):
        assert_anonymous_refused(client.get(url))
        assert_anonymous_refused(client.patch(url, {}, format="json"))
    assert not Vendor.objects.exists()


# -- a job's AI policy and backup pool ----------------------------------------------------------------------

def test_r_int_4_job_policy_created_and_changed_with_backup_pool(users, api_as, er_job):
    """R-INT-4: HR gives a job its AI policy (thresholds, hold, family, tags, vendor, backup pool) and changes
    it; both audited; the pool keeps the order given."""
    VendorFactory(slug="acme")
    a, b = ApplicationFactory(job=er_job).candidate, ApplicationFactory(job=er_job).candidate
    client = api_as(users.hr)
    response = client.post("/api/v1/ai-interviews/job-policies/", {
        "job": er_job.pk, "auto_moves": False, "rejection_hold_hours": 24, "overall_pass": 70,
        "overall_borderline": 50, "job_family": "nursing", "tags": ["ICU", "night_shift"], "default_vendor": "acme",
        "duration_minutes": 30, "backup_pool": [b.pk, a.pk]}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["tags"] == ["icu", "night_shift"] and body["default_vendor"] == "acme"
    assert body["backup_pool"] == [b.pk, a.pk] and body["job"] == er_job.pk
    policy = JobAIPolicy.objects.get(job=er_job)
    assert (policy.job_family, policy.rejection_hold_hours, policy.auto_moves) == ("nursing", 24, False)
    response = client.patch(f"/api/v1/ai-interviews/job-policies/{policy.pk}/",
                            {"job_family": "icu_nursing", "backup_pool": [a.pk]}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["job_family"] == "icu_nursing" and response.json()["backup_pool"] == [a.pk]
    assert client.get("/api/v1/ai-interviews/job-policies/").json()["results"][0]["id"] == policy.pk
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions.count("ai_policy.create") == 1 and actions.count("ai_policy.update") == 1
    assert actions.count("job.backup_pool") == 2


def test_r_int_4_job_policy_bad_input_400_nothing_half_saved(users, api_as, er_job, org):
    client = api_as(users.hr)
    candidate = ApplicationFactory(job=er_job).candidate
    company_job = JobFactory(department=org.company)
    response = client.post("/api/v1/ai-interviews/job-policies/", {
        "job": er_job.pk, "overall_pass": 50, "overall_borderline": 70, "tags": ["not a tag!"],
        "default_vendor": "nobody", "backup_pool": [candidate.pk]}, format="json")
    assert response.status_code == 400
    assert {"overall_borderline", "tags", "default_vendor"} <= set(_fields(response))
    response = client.post("/api/v1/ai-interviews/job-policies/", {"job": er_job.pk, "backup_pool": [987654]},
                           format="json")
    assert response.status_code == 400 and "backup_pool" in _fields(response)  # the policy rolled back with it
    response = client.post("/api/v1/ai-interviews/job-policies/", {"job": company_job.pk}, format="json")
    assert response.status_code == 400 and "job" in _fields(response)  # outside the scope: unknown
    assert not JobAIPolicy.objects.exists() and not er_job.backup_pool.exists()
    assert client.post("/api/v1/ai-interviews/job-policies/", {"job": er_job.pk}, format="json").status_code == 201
    again = client.post("/api/v1/ai-interviews/job-policies/", {"job": er_job.pk}, format="json")
    assert again.status_code == 400 and "job" in _fields(again)
    assert JobAIPolicy.objects.count() == 1


def test_r_int_4_job_policy_role_boundaries(users, api_as, er_job, company_hr):
    """R-INT-4, R-SEC-1: HR and HR director may; interviewer and hiring manager 403; another organisation's HR
    404 on the object and an empty list; anonymous refused (401/403: not authenticated)."""
    policy = JobAIPolicy.objects.create(job=er_job, job_family="nursing")
    url = f"/api/v1/ai-interviews/job-policies/{policy.pk}/"
    for user in (users.hr, users.director, users.admin):
        assert api_as(user).get(url).status_code == 200
    for user in (users.interviewer, users.er_manager):
        client = api_as(user)
        assert client.get("/api/v1/ai-interviews/job-policies/").status_code == 403
        assert client.post("/api/v1/ai-interviews/job-policies/", {"job": er_job.pk}, format="json").status_code \
            == 403
        assert client.patch(url, {"job_family": "x"}, format="json").status_code in (403, 404)
    client = api_as(company_hr)
    assert client.get(url).status_code == 404
    assert client.patch(url, {"job_family": "x"}, format="json").status_code == 404
    assert client.get("/api/v1/ai-interviews/job-policies/").json()["results"] == []
    assert_anonymous_refused(APIClient().get(url))
    assert JobAIPolicy.objects.get(pk=policy.pk).job_family == "nursing"


# -- the question bank --------------------------------------------------------------------------------------

QUESTION = {"text": "请讲一次你在重症监护室夜班中处理突发情况的经历。", "dimension": "stress_tolerance",
            "language": "zh-hans", "job_family": "nursing", "tags": ["icu"], "use_for": "weak",
            "guidance": "听：先稳定病人，再通知医生"}


def test_r_ai_5_r_int_4_question_bank_through_the_api(users, api_as, org):
    """R-AI-5, R-INT-4: HR adds a question to their organisation's bank with dimension, family, language and
    tags, and changes it; audited."""
    client = api_as(users.hr)
    response = client.post("/api/v1/ai-interviews/questions/", {**QUESTION, "organisation": org.hospital.pk},
                           format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["organisation"], body["dimension"], body["job_family"], body["tags"], body["language"]) == \
        (org.hospital.pk, "stress_tolerance", "nursing", ["icu"], "zh-hans")
    english = client.post("/api/v1/ai-interviews/questions/", {
        **QUESTION, "organisation": org.hospital.pk, "text": "Tell me about a night in the ICU.", "language": "en",
        "translation_of": body["id"]}, format="json")
    assert english.status_code == 201 and english.json()["translation_of"] == body["id"]
    response = client.patch(f"/api/v1/ai-interviews/questions/{body['id']}/", {"tags": ["icu", "emergency"],
                                                                              "active": False}, format="json")
    assert response.status_code == 200 and response.json()["tags"] == ["icu", "emergency"]
    assert Question.objects.get(pk=body["id"]).active is False
    assert [q["id"] for q in client.get("/api/v1/ai-interviews/questions/").json()["results"]] == \
        [body["id"], english.json()["id"]]
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["ai_question.create", "ai_question.create", "ai_question.update"]


def test_r_int_4_question_bad_input_400_naming_fields_nothing_saved(users, api_as, org):
    client = api_as(users.hr)
    response = client.post("/api/v1/ai-interviews/questions/", {
        **QUESTION, "organisation": org.company.pk, "dimension": "Stress Tolerance!", "tags": ["a b"],
        "language": "fr", "translation_of": 987654}, format="json")
    assert response.status_code == 400
    fields = _fields(response)
    assert {"language"} <= set(fields)  # the serializer's own check first
    response = client.post("/api/v1/ai-interviews/questions/", {
        **QUESTION, "organisation": org.company.pk, "dimension": "Stress Tolerance!", "tags": ["a b"],
        "translation_of": 987654}, format="json")
    assert response.status_code == 400
    assert {"organisation", "dimension", "tags", "translation_of"} <= set(_fields(response))
    assert not Question.objects.exists() and not AuditEvent.objects.exists()
    question = QuestionFactory(organisation=org.hospital, text="原文")
    response = client.patch(f"/api/v1/ai-interviews/questions/{question.pk}/", {"text": "改了", "tags": "icu"},
                            format="json")
    assert response.status_code == 400 and "tags" in _fields(response)
    assert Question.objects.get(pk=question.pk).text == "原文"


def test_r_int_4_question_role_boundaries(users, api_as, org, company_hr):
    """R-INT-4, R-SEC-1: another organisation's bank is 404 (and absent from the list); the shared bank is not
    HR staff's to change; interviewer and hiring manager 403; anonymous refused (401/403: not authenticated)."""
    mine = QuestionFactory(organisation=org.hospital)
    theirs = QuestionFactory(organisation=org.company, text="公司的问题")
    url = f"/api/v1/ai-interviews/questions/{mine.pk}/"
    for user in (users.hr, users.director, users.admin):
        assert api_as(user).get(url).status_code == 200
    client = api_as(company_hr)
    assert client.get(url).status_code == 404
    assert client.patch(url, {"text": "x"}, format="json").status_code == 404
    assert [q["id"] for q in client.get("/api/v1/ai-interviews/questions/").json()["results"]] == [theirs.pk]
    hospital = api_as(users.hr)
    assert hospital.post("/api/v1/ai-interviews/questions/", {**QUESTION, "organisation": org.company.pk},
                         format="json").status_code == 400
    for user in (users.interviewer, users.er_manager):
        client = api_as(user)
        assert client.get("/api/v1/ai-interviews/questions/").status_code == 403
        assert client.get(url).status_code == 403
        assert client.post("/api/v1/ai-interviews/questions/", {**QUESTION, "organisation": org.hospital.pk},
                           format="json").status_code == 403
    assert_anonymous_refused(APIClient().get(url))
    assert Question.objects.get(pk=mine.pk).text == mine.text


# -- the job API: round ids, job family and question tags ---------------------------------------------------

def test_r_int_4_job_api_rounds_carry_ids_and_family_tags_are_kept_in_the_ai_policy(users, api_as, org):
    """The job API lists each round's id (scheduling asks for it) and takes the job family and question tags,
    kept in the job's AI policy and read back in the job detail."""
    client = api_as(users.hr)
    response = client.post("/api/v1/jobs/", {
        "department": org.emergency.pk, "title": "ICU 护士", "status": "open",
        "rounds": [{"kind": "clinical"}, {"kind": "final"}], "job_family": "nursing",
        "question_tags": ["ICU"]}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [r["id"] for r in body["rounds"]] == list(InterviewRound.objects.filter(job_id=body["id"])
                                                     .order_by("order").values_list("pk", flat=True))
    assert (body["job_family"], body["question_tags"]) == ("nursing", ["icu"])
    assert body["ai_policy"]["job_family"] == "nursing" and body["ai_policy"]["tags"] == ["icu"]
    policy = JobAIPolicy.objects.get(job_id=body["id"])
    assert (policy.job_family, policy.tags) == ("nursing", ["icu"])
    detail = client.get(f"/api/v1/jobs/{body['id']}/").json()
    assert detail["ai_policy"]["id"] == policy.pk and detail["rounds"][0]["id"] == body["rounds"][0]["id"]
    response = client.patch(f"/api/v1/jobs/{body['id']}/", {"job_family": "icu_nursing"}, format="json")
    assert response.status_code == 200 and response.json()["job_family"] == "icu_nursing"
    assert JobAIPolicy.objects.get(pk=policy.pk).tags == ["icu"]  # not given: unchanged
    plain = client.post("/api/v1/jobs/", {"department": org.emergency.pk, "title": "无 AI 设置"}, format="json")
    assert plain.status_code == 201 and plain.json()["ai_policy"] is None and plain.json()["job_family"] == ""
    assert not JobAIPolicy.objects.filter(job_id=plain.json()["id"]).exists()


def test_r_int_4_job_api_bad_question_tags_400_and_no_job_saved(users, api_as, org):
    client = api_as(users.hr)
    response = client.post("/api/v1/jobs/", {"department": org.emergency.pk, "title": "坏标签",
                                             "question_tags": ["bad tag!"]}, format="json")
    assert response.status_code == 400 and "question_tags" in _fields(response)
    assert not JobRequisition.objects.filter(title="坏标签").exists() and not JobAIPolicy.objects.exists()
