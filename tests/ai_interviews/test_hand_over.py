"""The webhook hands stored deliveries to the worker in batches, and keeps each vendor's row a few seconds per
process (R-AI-1, issue 17 item 3): what it still guarantees."""

import json
import logging
import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from interviews.ai import hand_over, services
from interviews.ai.models import AIInterviewResult, Delivery
from tests.ai_interviews.conftest import generic_headers
from tests.ai_interviews.factories import ApplicationFactory, InvitationFactory
from tests.ai_interviews.test_ingest import result_body


@pytest.fixture
def three_invited(invited):
    """Three invitations A-1, A-2, A-3 of the same job and vendor."""
    return [invited] + [
        InvitationFactory(application=ApplicationFactory(job=invited.application.job, state="ai_invited"),
                          vendor=invited.vendor, assessment_id=f"A-{n}") for n in (2, 3)]


@pytest.fixture
def batch(settings, monkeypatch):
    """A batch of its own with a window long enough that only ``flush`` (or its thread, when a test waits for
    it) publishes."""
    settings.AI_DELIVERY_HAND_OVER_SECONDS = 60
    fresh = hand_over.HandOverBatch()
    monkeypatch.setattr(hand_over, "batch", fresh)
    return fresh


def post_three(post_result):
    for n in (1, 2, 3):
        response = post_result(result_body(assessment_id=f"A-{n}", result_id=f"R-{n}"), process=False)
        assert response.status_code == 202


def test_r_ai_1_deliveries_stored_together_go_to_the_worker_as_one_task(three_invited, post_result, worker, batch):
    """Three answered deliveries wait in the process's batch (stored and committed, nothing published yet); the
    batch is published as one task with the three ids, and the worker stores the three results, each once."""
    post_three(post_result)
    stored = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    assert len(stored) == 3 and worker.queue == []
    assert batch.flush() == 3
    assert worker.queue == [("process_deliveries", stored)]
    assert batch.flush() == 0  # published once

    worker.run(only="process_deliveries")
    assert set(Delivery.objects.values_list("status", "outcome")) == {("processed", "stored")}
    assert AIInterviewResult.objects.count() == 3
    assert sorted(name for name, _id in worker.queue) == ["apply_moves"] * 3


def test_r_ai_1_the_batch_publishes_by_itself(three_invited, post_result, worker, batch, settings, monkeypatch):
    """Nobody calls flush: the process's hand-over thread publishes the batch after its window."""
    settings.AI_DELIVERY_HAND_OVER_SECONDS = 0.01
    published = threading.Event()
    from interviews.ai import tasks

    def enqueue(name, obj_id):
        worker.queue.append((name, obj_id))
        published.set()

    monkeypatch.setattr(tasks, "enqueue", enqueue)
    post_result(result_body(), process=False)
    assert published.wait(timeout=30), "the hand-over thread published nothing"
    assert worker.queue == [("process_delivery", Delivery.objects.get().pk)]  # a batch of one: the single task


def test_r_ai_1_a_batch_task_delivered_twice_stores_each_result_once(three_invited, post_result, worker, batch):
    post_three(post_result)
    batch.flush()
    task = worker.queue.pop()
    worker.queue.extend([task, task])  # the broker delivered it twice
    worker.run(only="process_deliveries")
    assert AIInterviewResult.objects.count() == 3
    assert [outcomes for name, _ids, outcomes in worker.done] == [["stored"] * 3, ["stored"] * 3]


def test_r_ai_1_a_lost_batch_is_handed_over_by_the_sweep(three_invited, post_result, worker, batch, monkeypatch,
                                                          caplog):
    """The broker is down when the batch is published: the vendor had its 202, the log names how many and why
    (no ids of people, no body), and the sweep hands the three deliveries over after the lease."""
    from interviews.ai import tasks

    post_three(post_result)

    def broker_down(name, obj_id):
        raise ConnectionRefusedError("broker down")

    with monkeypatch.context() as patched, caplog.at_level(logging.WARNING):
        patched.setattr(tasks, "enqueue", broker_down)
        assert batch.flush() == 3
    assert "3 AI interview deliveries not handed to the worker (ConnectionRefusedError)" in caplog.text
    assert "R-1" not in caplog.text and worker.queue == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {"received"}
    received_at = Delivery.objects.earliest("pk").enqueued_at
    with worker.committing():
        assert services.ai_deliveries_requeue_due(now=received_at + timedelta(minutes=6)) == {"queued": 3}
    worker.run(only="process_delivery")
    assert AIInterviewResult.objects.count() == 3


def test_r_ai_1_a_forked_process_does_not_publish_its_parents_ids(batch, worker, monkeypatch):
    """gunicorn forks its workers: ids added before the fork are the parent's to publish, not each child's."""
    batch.add(101)
    monkeypatch.setattr(hand_over.os, "getpid", lambda: -7)  # now in a child
    batch.add(202)
    assert batch.flush() == 1
    assert worker.queue == [("process_delivery", 202)]


# -- the vendor kept per process --------------------------------------------------------------------------


def post_raw(client, body: dict, vendor="acme"):
    data = json.dumps(body).encode()
    return client.post(f"/api/v1/integrations/ai-interviews/{vendor}/results/", data=data,
                       content_type="application/json", **generic_headers(data))


def test_r_ai_1_the_webhook_reads_its_vendor_once_per_few_seconds(invited, client):
    """The second delivery reads no vendor row: only the lookup of delivery key, invitation and result, and the
    insert (on PostgreSQL one statement), plus the test transaction's savepoint pair."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert post_raw(client, result_body()).status_code == 202
    with CaptureQueriesContext(connection) as queries:
        assert post_raw(client, result_body(assessment_id="A-1", result_id="R-2")).status_code == 202
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert not [sql for sql in statements if "ai_interviews_vendor" in sql]
    assert len(statements) == (1 if connection.vendor == "postgresql" else 2)


def test_r_ai_1_a_vendor_changed_in_this_process_is_read_again_at_once(invited, client, generic_vendor):
    """HR deactivates the vendor (a save in this process): its next delivery is refused at once; a new secret
    is used at once too."""
    assert post_raw(client, result_body()).status_code == 202
    generic_vendor.active = False
    generic_vendor.save()
    assert post_raw(client, result_body(result_id="R-2")).status_code == 404
    generic_vendor.active = True
    generic_vendor.secret = "a-new-secret-0123456789abcdef"
    generic_vendor.save()
    assert post_raw(client, result_body(result_id="R-3")).status_code == 403  # signed with the old secret


def test_r_ai_1_another_process_sees_a_vendor_change_within_the_cache_seconds(invited, client, generic_vendor,
                                                                              settings):
    """A change saved elsewhere (here: an UPDATE this process's signals do not see) is read after the
    kept row's seconds; until then the kept row answers."""
    import time_machine

    from interviews.ai.models import Vendor

    settings.AI_VENDOR_CACHE_SECONDS = 5
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert post_raw(client, result_body()).status_code == 202
        Vendor.objects.filter(pk=generic_vendor.pk).update(active=False)
        assert post_raw(client, result_body(result_id="R-2")).status_code in (200, 202)  # still kept
        traveller.shift(timedelta(seconds=6))
        assert post_raw(client, result_body(result_id="R-3")).status_code == 404
