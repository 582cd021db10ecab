"""A stored AI interview result records one ``ai_result.received`` event for the hospital -- scores, no transcript,
no preferences, no person; a duplicate stores nothing new and records nothing; processing that fails after
publishing records none (R-INT-2)."""

import pytest

from hrsys.events.models import Event
from interviews.ai.models import AIInterviewResult, Delivery
from interviews.ai.services import ingestion
from tests.ai_interviews.test_ingest import result_body
from tests.events.emitted import _no_event_broker, only_event, subscribe  # noqa: F401 - an autouse fixture

pytestmark = pytest.mark.django_db


def test_r_int_2_a_stored_result_records_ai_result_received(invited, post_result, org):
    subscribe(org.hospital, "ai_result.received")
    assert post_result(result_body()).status_code == 202
    result = AIInterviewResult.objects.get()
    candidate = invited.application.candidate
    data = only_event("ai_result.received", org.hospital,
                      personal=(candidate.name, candidate.phone, candidate.email, "问：……答：……", "12000"))
    assert data == {"result_id": result.pk, "application_id": invited.application_id,
                    "candidate_id": candidate.pk, "job_id": invited.application.job_id, "vendor": "acme",
                    "overall_score": 80.0, "decision": result.decision, "revision": 1}


def test_r_int_2_a_duplicate_delivery_records_no_second_event(invited, post_result, org):
    subscribe(org.hospital, "ai_result.received")
    post_result(result_body())
    post_result(result_body(), delivery="another-delivery-of-the-same-result")
    assert Delivery.objects.count() == 2 and AIInterviewResult.objects.count() == 1
    assert Event.objects.filter(type="ai_result.received").count() == 1


def test_r_int_2_processing_that_fails_after_publishing_records_nothing(invited, post_result, org,
                                                                        monkeypatch):
    subscribe(org.hospital, "ai_result.received")

    def broken(name, obj_id):
        raise RuntimeError("the broker went away")

    monkeypatch.setattr(ingestion, "_on_commit", broken)  # runs after event_publish in the same transaction
    post_result(result_body())
    assert Delivery.objects.get().status == Delivery.Status.FAILED  # recorded for a retry, the result rolled back
    assert not AIInterviewResult.objects.exists()
    assert not Event.objects.exists()
