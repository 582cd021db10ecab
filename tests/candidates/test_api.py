"""The pipeline API: create, bad input, duplicates, moves and 409s, filters (R-PIPE-*, R-INT-1)."""

import pytest

from candidates.models import Application, Candidate, TransitionLog
from tests.candidates.factories import ApplicationFactory, CandidateFactory, CredentialFactory, app_in_state

pytestmark = pytest.mark.django_db

GOOD = {"name": "欧阳娜娜", "phone": "138 0013 8000", "email": "NaNa@Example.org", "id_number": "11010519491231002X",
        "education": "bachelor", "years_experience": 5, "skills": ["静脉穿刺"], "source": "referral"}


def test_create_candidate_with_application_encrypts_and_scores(users, api_as, er_job):  # R-PIPE-5, R-SEC-2
    response = api_as(users.hr).post("/api/v1/candidates/", {**GOOD, "job": er_job.pk})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["phone"] == "+8613800138000" and body["email"] == "nana@example.org"
    app = Application.objects.get(candidate_id=body["id"])
    assert app.job == er_job and app.state == "new" and app.source == "referral"
    assert app.match_score is not None and set(app.match_breakdown) >= {"skills", "experience", "education",
                                                                       "credentials"}
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT phone, id_number FROM candidates_candidate WHERE id = %s", [body["id"]])
        raw_phone, raw_id = cur.fetchone()
    assert raw_phone.startswith("enc1:") and "13800138000" not in raw_phone and raw_id.startswith("enc1:")


@pytest.mark.parametrize(("change", "field"), [
    ({"id_number": "110105194912310021"}, "id_number"),   # checksum
    ({"id_number": "11010519491331002X"}, "id_number"),   # month 13
    ({"phone": "not a number"}, "phone"),
    ({"phone": "+86 123"}, "phone"),
    ({"email": "nobody@"}, "email"),
    ({"job": 999999}, "job"),
    ({"education": "wizard"}, "education"),
    ({"favourite_colour": "red"}, "favourite_colour"),
    ({"name": ""}, "name"),
])
def test_bad_input_is_400_naming_the_field_and_saves_nothing(users, api_as, er_job, change, field):
    response = api_as(users.hr).post("/api/v1/candidates/", {**GOOD, "job": er_job.pk, **change})
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Candidate.objects.exists() and not Application.objects.exists()


def test_job_of_another_department_is_unknown(users, api_as, org):
    from tests.candidates.factories import JobFactory

    company_job = JobFactory(department=org.company)
    response = api_as(users.hr).post("/api/v1/candidates/", {**GOOD, "job": company_job.pk})
    assert response.status_code == 400 and "job" in response.json()["error"]["fields"]
    assert not Candidate.objects.exists()


@pytest.mark.parametrize("field", ["phone", "email", "id_number"])
def test_duplicate_answers_409_offering_merge(users, api_as, er_job, field):  # R-PIPE-5
    existing = ApplicationFactory(job=er_job, candidate=CandidateFactory(**{field: GOOD[field]})).candidate
    other = {"phone": "+8613912345678", "email": "other@example.org", "id_number": "440524188001010014"}
    payload = {**GOOD, **other, field: GOOD[field], "job": er_job.pk}
    response = api_as(users.hr).post("/api/v1/candidates/", payload)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "duplicate" and "merge" in error["allowed"]
    assert error["duplicates"] == [{"id": existing.pk, "fields": [field]}]
    assert Candidate.objects.count() == 1


def test_duplicate_outside_scope_is_not_identified(users, api_as, er_job, it_job):  # R-SEC-1
    ApplicationFactory(job=it_job, candidate=CandidateFactory(phone=GOOD["phone"]))
    response = api_as(users.er_manager).post("/api/v1/candidates/", {**GOOD, "job": er_job.pk})
    # managers may not create candidates at all
    assert response.status_code == 403
    from tests.factories import UserFactory

    er_hr = UserFactory(username="er_hr", role="hr_staff", departments=[er_job.department])
    response = api_as(er_hr).post("/api/v1/candidates/", {**GOOD, "job": er_job.pk})
    assert response.status_code == 409
    assert response.json()["error"]["duplicates"] == [] and response.json()["error"]["hidden_duplicates"] == 1


def test_merge_moves_everything_and_removes_the_duplicate(users, api_as, er_job, it_job):
    target = ApplicationFactory(job=er_job).candidate
    source_app = ApplicationFactory(job=it_job, candidate=CandidateFactory(skills=["Linux"], years_experience=9))
    source = source_app.candidate
    CredentialFactory(candidate=source)
    response = api_as(users.hr).post(f"/api/v1/candidates/{target.pk}/merge/", {"source": source.pk})
    assert response.status_code == 200, response.json()
    assert not Candidate.objects.filter(pk=source.pk).exists()
    target.refresh_from_db()
    assert target.years_experience == 9 and "Linux" in target.skills
    assert set(target.applications.values_list("job_id", flat=True)) == {er_job.pk, it_job.pk}
    assert target.credentials.count() == 1


def test_merge_refuses_two_active_applications_for_one_job(users, api_as, er_job):
    a, b = ApplicationFactory(job=er_job), ApplicationFactory(job=er_job)
    response = api_as(users.hr).post(f"/api/v1/candidates/{a.candidate_id}/merge/", {"source": b.candidate_id})
    assert response.status_code == 400 and "source" in response.json()["error"]["fields"]
    assert Candidate.objects.count() == 2


def test_transition_endpoint_moves_and_logs(users, api_as, er_job):  # R-PIPE-2
    app = app_in_state("new", job=er_job)
    response = api_as(users.hr).post(f"/api/v1/applications/{app.pk}/transitions/screen/", {"reason": "looks good"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "screening" and "invite_ai" in body["allowed_transitions"]
    assert body["transitions"][0]["reason"] == "looks good"
    assert TransitionLog.objects.filter(application=app, transition="screen").exists()


def test_illegal_transition_is_409_with_allowed_moves(users, api_as, er_job):  # R-PIPE-2
    app = app_in_state("new", job=er_job)
    response = api_as(users.hr).post(f"/api/v1/applications/{app.pk}/transitions/hire/", {})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict" and sorted(error["allowed"]) == ["reject", "screen", "withdraw"]


def test_blocked_by_credential_is_409_naming_it(users, api_as, er_job):  # R-HOSP-1
    app = app_in_state("screening", job=er_job)
    client = api_as(users.hr)
    detail = client.get(f"/api/v1/applications/{app.pk}/").json()
    assert detail["credential_problems"][0]["type"] == "nurse_licence"
    assert "advance_to_interview" not in detail["allowed_transitions"]
    response = client.post(f"/api/v1/applications/{app.pk}/transitions/advance_to_interview/", {})
    assert response.status_code == 409 and "Nurse practising licence" in response.json()["error"]["message"]
    CredentialFactory(candidate=app.candidate)
    assert client.post(f"/api/v1/applications/{app.pk}/transitions/advance_to_interview/", {}).status_code == 200


def test_transition_unknown_reason_field_and_missing_reason(users, api_as, er_job):
    app = app_in_state("screening", job=er_job)
    client = api_as(users.hr)
    response = client.post(f"/api/v1/applications/{app.pk}/transitions/reject/", {"reson": "typo"})
    assert response.status_code == 400 and "reson" in response.json()["error"]["fields"]
    response = client.post(f"/api/v1/applications/{app.pk}/transitions/reject/", {})
    assert response.status_code == 400 and "reason" in response.json()["error"]["fields"]
    response = client.post(f"/api/v1/applications/{app.pk}/transitions/fly/", {})
    assert response.status_code == 400 and "transition" in response.json()["error"]["fields"]
    assert Application.objects.get(pk=app.pk).state == "screening"


def test_manager_can_read_but_not_move(users, api_as, er_job):
    app = app_in_state("new", job=er_job)
    client = api_as(users.er_manager)
    assert client.get(f"/api/v1/applications/{app.pk}/").json()["allowed_transitions"] == []
    assert client.post(f"/api/v1/applications/{app.pk}/transitions/screen/", {}).status_code == 403


def test_list_filters_ordering_and_search(users, api_as, er_job, it_job):  # R-PIPE-5
    low = app_in_state("screening", job=er_job, match_score=40, source="campus")
    high = app_in_state("screening", job=er_job, match_score=90, source="referral")
    app_in_state("new", job=it_job, match_score=70)
    client = api_as(users.hr)
    ids = [r["id"] for r in client.get(f"/api/v1/applications/?job={er_job.pk}&ordering=-match_score").json()["results"]]
    assert ids == [high.pk, low.pk]
    assert [r["id"] for r in client.get("/api/v1/applications/?min_score=80").json()["results"]] == [high.pk]
    assert [r["id"] for r in client.get("/api/v1/applications/?source=campus").json()["results"]] == [low.pk]
    assert client.get("/api/v1/applications/?state=new").json()["count"] == 1
    assert client.get("/api/v1/applications/?priority=urgent").json()["count"] == 2
    dept = client.get(f"/api/v1/applications/?department={er_job.department.pk}").json()
    assert dept["count"] == 2
    phone = high.candidate.phone.replace("+86", "")
    assert [r["id"] for r in client.get(f"/api/v1/applications/?search={phone}").json()["results"]] == [high.pk]
    by_id = client.get(f"/api/v1/candidates/?search={low.candidate.id_number.lower()}").json()
    assert [r["id"] for r in by_id["results"]] == [low.candidate_id]
    by_mail = client.get(f"/api/v1/candidates/?search={high.candidate.email.upper()}").json()
    assert [r["id"] for r in by_mail["results"]] == [high.candidate_id]
    bad = client.get("/api/v1/applications/?state=limbo&min_score=101&ordering=rank")
    assert bad.status_code == 400 and {"state", "min_score", "ordering"} <= set(bad.json()["error"]["fields"])


def test_list_query_count_does_not_grow_with_page_size(users, api_as, er_job, django_assert_max_num_queries):
    for _ in range(60):
        ApplicationFactory(job=er_job)
    client = api_as(users.er_manager)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hrsys.accounts.scope import forget_cached_scope

    with CaptureQueriesContext(connection) as small:
        assert len(client.get("/api/v1/applications/?page_size=5").json()["results"]) == 5
    forget_cached_scope(users.er_manager)
    with CaptureQueriesContext(connection) as big:
        assert len(client.get("/api/v1/applications/?page_size=60").json()["results"]) == 60
    assert len(big) == len(small) <= 5  # session, user, scope, job ids, count + page (auth by force)


def test_job_create_validates_structure(users, api_as, org):  # R-PIPE-1
    client = api_as(users.hr)
    good = {"department": org.emergency.pk, "title": "急诊护士", "priority": "urgent", "status": "open",
            "skills": [{"name": "CPR", "weight": 3}], "required_credentials": ["nurse_licence"],
            "assessment_dimensions": [{"key": "communication", "label": "沟通", "pass": 70, "borderline": 60}],
            "rounds": [{"kind": "clinical", "interviewers": [users.interviewer.pk], "duration_minutes": 30,
                        "requires_credentials": True}, {"kind": "final"}]}
    response = client.post("/api/v1/jobs/", good)
    assert response.status_code == 201, response.json()
    assert [r["kind"] for r in response.json()["rounds"]] == ["clinical", "final"]
    assert response.json()["rounds"][0]["interviewers"] == [users.interviewer.pk]
    bad = {**good, "department": org.company.pk, "skills": [{"name": "CPR", "weight": 99}],
           "required_credentials": ["jedi"],
           "assessment_dimensions": [{"key": "communication", "pass": 50, "borderline": 60}],
           "rounds": [{"kind": "karaoke"}]}
    response = client.post("/api/v1/jobs/", bad)
    assert response.status_code == 400
    assert {"department", "skills", "required_credentials", "assessment_dimensions", "rounds"} <= set(
        response.json()["error"]["fields"])


def test_job_requirement_change_rescores_applications(users, api_as, er_job):  # R-PIPE-5
    app = ApplicationFactory(job=er_job, candidate=CandidateFactory(skills=["Linux"]))
    client = api_as(users.hr)
    client.patch(f"/api/v1/jobs/{er_job.pk}/", {"skills": [{"name": "Linux", "weight": 1}],
                                                "required_credentials": []})
    app.refresh_from_db()
    assert app.match_breakdown["skills"]["matched"] == ["Linux"] and app.match_breakdown["credentials"]["score"] == 20


def test_application_create_and_one_active_per_job(users, api_as, er_job):
    app = ApplicationFactory(job=er_job)
    client = api_as(users.hr)
    response = client.post("/api/v1/applications/", {"candidate": app.candidate_id, "job": er_job.pk})
    assert response.status_code == 400 and "job" in response.json()["error"]["fields"]
    response = client.post("/api/v1/applications/", {"candidate": 424242, "job": er_job.pk})
    assert response.status_code == 400 and "candidate" in response.json()["error"]["fields"]


def test_credential_add_and_file_download_logged(users, api_as, er_job):  # R-HOSP-1, R-SEC-3
    from django.core.files.uploadedfile import SimpleUploadedFile

    from hrsys.audit.models import AccessLog

    app = ApplicationFactory(job=er_job)
    client = api_as(users.hr)
    scan = SimpleUploadedFile("licence.pdf", b"%PDF-1.4 fake scan", content_type="application/pdf")
    response = client.post("/api/v1/credentials/", {"candidate": app.candidate_id, "type": "nurse_licence",
                                                    "number": "NL123", "expires_on": "2030-01-01", "file": scan},
                           format="multipart")
    assert response.status_code == 201, response.json()
    cred_id = response.json()["id"]
    download = client.get(f"/api/v1/credentials/{cred_id}/file/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 fake scan"
    assert AccessLog.objects.filter(kind="download", object_type="candidates.credential").exists()
    bad = client.post("/api/v1/credentials/", {"candidate": app.candidate_id, "type": "nurse_licence",
                                               "issued_on": "2030-01-01", "expires_on": "2020-01-01"})
    assert bad.status_code == 400 and "expires_on" in bad.json()["error"]["fields"]


def test_talent_pool_api_search_and_reactivate(users, api_as, er_job, it_job):  # R-PIPE-6
    app = app_in_state("ai_no_show", job=er_job, match_score=81)
    client = api_as(users.hr)
    client.post(f"/api/v1/applications/{app.pk}/transitions/to_talent_pool/", {"reason": "keep"})
    pool = client.get("/api/v1/talent-pool/?tag=AI interview no-show").json()
    assert [r["application"] for r in pool["results"]] == [app.pk]
    response = client.post(f"/api/v1/applications/{app.pk}/reactivate/", {"job": it_job.pk, "reason": "IT fits"})
    assert response.status_code == 201 and response.json()["reactivated_from"] == app.pk
    assert client.get("/api/v1/talent-pool/").json()["count"] == 0


def test_state_machine_endpoint(users, api_as):
    body = api_as(users.hr).get("/api/v1/applications/states/").json()
    assert "stateDiagram-v2" in body["mermaid"] and len(body["states"]) == 13
    assert {"name": "hire", "source": "offer", "target": "hired"}.items() <= next(
        t for t in body["transitions"] if t["name"] == "hire").items()


def test_schema_describes_the_pipeline(client, db):
    schema = client.get("/api/schema/").content
    assert b"/api/v1/applications/{id}/transitions/{name}/" in schema
