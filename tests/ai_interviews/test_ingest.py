"""The vendor webhook: signatures, replays, idempotency, strict validation (R-AI-1, R-AI-2, R-AI-3)."""

import json
import time
from pathlib import Path

import pytest

from interviews.ai.models import AIInterviewResult, Delivery, InvitationEvent, RejectedDelivery
from tests.ai_interviews.conftest import VERVOE_SECRET, generic_headers, sign, vervoe_headers
from tests.ai_interviews.factories import ApplicationFactory, InvitationFactory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
URL = "/api/v1/integrations/ai-interviews/{}/results/"


def result_body(**overrides):
    body = {"event": "result", "assessment_id": "A-1", "result_id": "R-1", "overall_score": 80,
            "dimensions": {"logic": 4, "comm": 0.9, "stress": 4},
            "preferences": {"expected_salary": {"amount": 12000}, "earliest_start_date": "2026-04-01",
                            "available_times": [{"start": "2026-03-12T01:00:00+00:00",
                                                 "end": "2026-03-12T04:00:00+00:00"}]},
            "transcript": "问：……答：……", "signals": {"emotions": [{"label": "calm", "score": 0.8}]}}
    body.update(overrides)
    return body


def assert_nothing_stored():
    assert AIInterviewResult.objects.count() == 0
    assert Delivery.objects.count() == 0


# -- accept ---------------------------------------------------------------------------------------------

def test_r_ai_1_signed_generic_result_is_stored_once_with_mapped_scores(invited, post_result, worker):
    """R-AI-1, R-AI-2: a signed delivery stores the result, scores mapped to the job's dimensions."""
    response = post_result(result_body())
    assert response.status_code == 202, response.content
    delivery = Delivery.objects.get()
    assert response.json() == {"status": "accepted", "duplicate": False,
                               "delivery": {"id": delivery.pk, "status": "received"}}
    result = AIInterviewResult.objects.get()
    assert result.application == invited.application
    assert result.overall_score == 80
    assert result.dimension_scores["logic"] == {"raw": 4, "scale": [1, 5], "score": 75.0, "vendor_key": "logic"}
    assert result.dimension_scores["communication"]["score"] == 90.0
    assert result.transcript == "问：……答：……"
    assert result.preferences["expected_salary"] == {"amount": "12000.00", "currency": "CNY", "period": "month"}
    delivery = Delivery.objects.get()
    assert delivery.outcome == "stored" and delivery.result == result
    assert json.loads(delivery.body)["result_id"] == "R-1"
    assert ("apply_moves", result.pk) in worker.queue  # heavy work after commit


def test_r_ai_3_scale_conversion_and_unmapped_dimensions(invited, post_result, generic_vendor):
    """R-AI-3: 1-5 and 0-1 scales become 0-100; a job-key dimension without mapping uses the overall scale;
    a vendor key no job dimension takes is kept unmapped."""
    generic_vendor.overall_min, generic_vendor.overall_max = 0, 10
    generic_vendor.save()
    body = result_body(overall_score=7.5, dimensions={"logic": 1, "comm": 0.25, "stress": 5, "empathy": 8,
                                                      "Vendor-Extra": 3})
    assert post_result(body).status_code == 202
    result = AIInterviewResult.objects.get()
    scores = {k: v["score"] for k, v in result.dimension_scores.items()}
    assert scores == {"logic": 0.0, "communication": 25.0, "stress_tolerance": 100.0, "empathy": 80.0}
    assert result.overall_score == 75.0
    assert result.unmapped == {"Vendor-Extra": 3}


# -- replay and duplicates -----------------------------------------------------------------------------

def test_r_ai_1_replay_of_the_same_delivery_stores_one_result(invited, post_result):
    """R-AI-1: the vendor retries the very same signed request: 200 both times, one result, one delivery."""
    body = json.dumps(result_body()).encode()
    headers = generic_headers(body)
    first = post_result(body, raw=True, headers=headers)
    second = post_result(body, raw=True, headers=headers)
    assert first.status_code == 202 and second.status_code == 200
    assert second.json()["duplicate"] is True and second.json()["delivery"]["id"] == first.json()["delivery"]["id"]
    assert AIInterviewResult.objects.count() == 1
    assert Delivery.objects.count() == 1


def test_r_ai_1_duplicate_delivery_with_the_same_result_id(invited, post_result):
    """R-AI-1: a new delivery (other id, other timestamp) of a known result id: 200, still one result."""
    assert post_result(result_body(), delivery="d-1").status_code == 202
    again = post_result(result_body(overall_score=10), delivery="d-2", t=int(time.time()) - 5)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert AIInterviewResult.objects.get().overall_score == 80
    assert list(Delivery.objects.order_by("pk").values_list("outcome", flat=True)) == ["stored", "duplicate"]


# -- signatures -----------------------------------------------------------------------------------------

def test_r_ai_1_stale_timestamp_is_refused_as_replay(invited, post_result):
    """R-AI-1: a correctly signed but 10-minute-old delivery is refused (403), nothing stored, logged."""
    response = post_result(result_body(), t=int(time.time()) - 600)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "stale_timestamp"
    assert_nothing_stored()
    rejected = RejectedDelivery.objects.get()
    assert rejected.code == "stale_timestamp" and rejected.status_code == 403 and rejected.body_size > 0


def test_r_ai_1_future_timestamp_is_refused(invited, post_result):
    assert post_result(result_body(), t=int(time.time()) + 3600).status_code == 403
    assert_nothing_stored()


def test_r_ai_1_bad_signature_is_refused_and_logged_without_secrets(invited, post_result, generic_vendor):
    """R-AI-1: a delivery signed with another secret: 403; the log keeps headers (digest masked), never the
    body or the secret."""
    response = post_result(result_body(), secret="not-the-secret-at-all-000000")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "bad_signature"
    assert_nothing_stored()
    rejected = RejectedDelivery.objects.get()
    assert rejected.vendor == generic_vendor
    logged = json.dumps(rejected.headers)
    assert "v1=…" in rejected.headers["X-Hrsys-Signature"]
    assert generic_vendor.secret not in logged and "A-1" not in logged
    assert len(rejected.body_sha256) == 64


def test_r_ai_1_body_changed_after_signing_is_refused(invited, post_result):
    body = json.dumps(result_body()).encode()
    headers = generic_headers(body)
    tampered = body.replace(b'"overall_score": 80', b'"overall_score": 99')
    assert post_result(tampered, raw=True, headers=headers).status_code == 403
    assert_nothing_stored()


@pytest.mark.parametrize("headers,code", [
    ({}, "missing_signature"),
    ({"HTTP_X_HRSYS_SIGNATURE": "sha256=abc"}, "malformed_signature"),
    ({"HTTP_X_HRSYS_SIGNATURE": "t=notanumber,v1=abc"}, "malformed_signature"),
])
def test_r_ai_1_missing_or_malformed_signature_is_401(invited, post_result, headers, code):
    response = post_result(result_body(), headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert_nothing_stored()
    assert RejectedDelivery.objects.get().code == code


def test_r_ai_1_previous_secret_still_accepted_during_rotation(invited, post_result, generic_vendor):
    generic_vendor.previous_secret = "generic-secret-0123456789abcdef"
    generic_vendor.secret = "the-new-secret-0123456789abcdef"
    generic_vendor.save()
    assert post_result(result_body()).status_code == 202


# -- strict validation ----------------------------------------------------------------------------------

def test_r_ai_1_malformed_json_is_a_clear_400(invited, post_result):
    body = b'{"event": "result", "assessment_id": "A-1" "result_id": "R-1"}'
    response = post_result(body, raw=True)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "malformed_json"
    assert "line 1, column 44" in error["message"]
    assert_nothing_stored()
    assert RejectedDelivery.objects.get().code == "malformed_json"


def test_r_ai_1_missing_result_id_names_the_field(invited, post_result):
    body = result_body()
    del body["result_id"]
    response = post_result(body)
    assert response.status_code == 400
    assert "result_id" in response.json()["error"]["fields"]
    assert_nothing_stored()


def test_r_ai_1_unknown_assessment_id(invited, post_result):
    """R-AI-1: a result for an assessment nobody was invited to: 400, nothing stored, logged."""
    response = post_result(result_body(assessment_id="A-404"))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unknown_assessment" and "A-404" in error["message"]
    assert_nothing_stored()
    assert RejectedDelivery.objects.get().code == "unknown_assessment"


def test_r_ai_1_out_of_range_score_is_a_400_naming_it(invited, post_result):
    response = post_result(result_body(dimensions={"logic": 6, "comm": 0.5, "stress": 3}))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "out_of_range"
    assert "dimensions.logic" in error["fields"]
    assert "1-5" in error["message"]
    assert_nothing_stored()


def test_r_ai_1_unknown_fields_are_refused_by_name(invited, post_result):
    response = post_result(result_body(scores={"x": 1}))
    assert response.status_code == 400
    assert "scores" in response.json()["error"]["fields"]


def test_r_ai_1_oversized_body_is_413(invited, post_result, generic_vendor):
    generic_vendor.max_body_bytes = 2048
    generic_vendor.save()
    response = post_result(result_body(transcript="字" * 3000))
    assert response.status_code == 413
    assert_nothing_stored()
    assert RejectedDelivery.objects.get().code == "too_large"


def test_r_ai_1_unknown_vendor_is_404_and_logged(db, post_result):
    assert post_result(result_body(), vendor="nobody").status_code == 404
    assert RejectedDelivery.objects.get().vendor_slug == "nobody"


def test_r_ai_1_a_vendor_cannot_read_anything_back(invited, post_result, client):
    post_result(result_body())
    assert client.get(URL.format("acme")).status_code == 405
    assert client.get(f"/api/v1/ai-interviews/applications/{invited.application_id}/result/").status_code in (401, 403)


def test_r_ai_7_started_event_records_a_candidate_action(invited, post_result):
    """R-AI-7: a progress event records the action on the invitation, no result."""
    response = post_result({"event": "started", "assessment_id": "A-1", "started_at": "2026-03-10T08:20:00+00:00"})
    assert response.status_code == 202
    invited.refresh_from_db()
    assert invited.status == "started" and invited.started_at.isoformat().startswith("2026-03-10T08:20")
    assert AIInterviewResult.objects.count() == 0
    assert InvitationEvent.objects.filter(kind="started").count() == 1


# -- Vervoe ------------------------------------------------------------------------------------------------

@pytest.fixture
def vervoe_invited(er_job, vervoe_vendor):
    app = ApplicationFactory(job=er_job, state="ai_invited")
    return InvitationFactory(application=app, vendor=vervoe_vendor,
                             assessment_id="cbb3e136-ef30-4452-955b-1835a79caa65")


def vervoe_fixture() -> bytes:
    return (FIXTURES / "vervoe_report_webhook.json").read_bytes()


def test_r_ai_3_vervoe_report_webhook_signed_like_vervoe(vervoe_invited, post_result):
    """R-AI-3: Vervoe's report notification, signed t=..,hash=.., is stored by candidateAssessmentUuid."""
    body = vervoe_fixture()
    response = post_result(body, raw=True, vendor="vervoe", headers=vervoe_headers(body))
    assert response.status_code == 202, response.content
    result = AIInterviewResult.objects.get()
    assert result.application == vervoe_invited.application
    assert result.vendor_result_id == "cbb3e136-ef30-4452-955b-1835a79caa65"
    assert result.overall_score == 100
    assert result.report_url == "https://api.vervoe.com/integration_candidate_card"
    assert result.signals["timeTaken"] == "2 minutes 19 seconds"


def test_r_ai_3_vervoe_score_changed_revises_the_one_result(vervoe_invited, post_result):
    body = vervoe_fixture()
    post_result(body, raw=True, vendor="vervoe", headers=vervoe_headers(body))
    changed = json.loads(body)
    changed["event"] = "AI_SCORE_CHANGED"
    changed["score"]["score"] = 55
    changed = json.dumps(changed).encode()
    assert post_result(changed, raw=True, vendor="vervoe", headers=vervoe_headers(changed)).status_code == 202
    result = AIInterviewResult.objects.get()
    assert result.overall_score == 55 and result.revision == 2


def test_r_ai_3_vervoe_documented_example_without_comma_is_a_clear_400(vervoe_invited, post_result):
    """R-AI-3: Vervoe's documented example misses a comma after ``score``: 400 with where, not 500."""
    body = vervoe_fixture()
    broken = body.replace(b'"scoreByFormat": 100\n  },', b'"scoreByFormat": 100\n  }')
    assert broken != body
    response = post_result(broken, raw=True, vendor="vervoe", headers=vervoe_headers(broken))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "malformed_json" and "line" in error["message"]
    assert_nothing_stored()
    # and the variant missing the comma right after the score number
    broken2 = body.replace(b'"score": 100,', b'"score": 100')
    response = post_result(broken2, raw=True, vendor="vervoe", headers=vervoe_headers(broken2))
    assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_json"


def test_r_ai_1_vervoe_signature_with_generic_header_is_refused(vervoe_invited, post_result):
    body = vervoe_fixture()
    t, digest = sign(VERVOE_SECRET, body)
    response = post_result(body, raw=True, vendor="vervoe", headers={"HTTP_X_HRSYS_SIGNATURE": f"t={t},v1={digest}"})
    assert response.status_code == 401


def test_r_ai_7_vervoe_complete_interview_without_score_is_an_action(vervoe_invited, post_result):
    body = json.dumps({"event": "CANDIDATE_COMPLETE_INTERVIEW",
                       "candidateAssessmentUuid": "cbb3e136-ef30-4452-955b-1835a79caa65",
                       "status": "complete", "completedAt": "2020-03-10T08:39:58+00:00"}).encode()
    assert post_result(body, raw=True, vendor="vervoe", headers=vervoe_headers(body)).status_code == 202
    vervoe_invited.refresh_from_db()
    assert vervoe_invited.status == "completed"
    assert AIInterviewResult.objects.count() == 0


def test_r_ai_1_vervoe_missing_uuid(vervoe_invited, post_result):
    body = json.dumps({"status": "complete", "score": {"score": 50}}).encode()
    response = post_result(body, raw=True, vendor="vervoe", headers=vervoe_headers(body))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "missing_id"


def test_r_sec_3_rejected_delivery_records_the_client_behind_the_proxy(invited, post_result, settings):
    """R-SEC-3: behind the documented reverse proxy the refused delivery names the vendor's address (the one
    client_ip reads from X-Forwarded-For), not the proxy's."""
    settings.TRUSTED_PROXY_COUNT = 1
    body = json.dumps(result_body()).encode()
    headers = {**generic_headers(body, secret="not-the-secret-at-all-000000"),
               "HTTP_X_FORWARDED_FOR": "198.51.100.7", "REMOTE_ADDR": "10.0.0.2"}
    assert post_result(body, raw=True, headers=headers).status_code == 403
    assert RejectedDelivery.objects.get().remote_addr == "198.51.100.7"
