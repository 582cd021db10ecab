"""The webhook only verifies, stores and answers; the worker processes each delivery exactly once, records
failures with their reason for HR and retries them (R-AI-1, R-AI-2, issue 17 item 3)."""

import json
import logging
from datetime import timedelta

import time_machine
from django.db import OperationalError, connection
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from interviews.ai import services
from interviews.ai.models import AIInterviewResult, Delivery
from interviews.ai.services import ingestion
from tests.ai_interviews.test_ingest import result_body


def raw_body_column(delivery) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT body FROM {Delivery._meta.db_table} WHERE id = %s", [delivery.pk])
        return cursor.fetchone()[0]


def test_r_ai_1_the_request_stores_the_delivery_encrypted_and_the_worker_scores_it(invited, post_result, worker):
    """The answer comes before any scoring: 202 with the delivery's id and status "received", no result yet,
    the body encrypted at rest, one task queued; the task then stores the result and queues the move."""
    response = post_result(result_body(), process=False)
    assert response.status_code == 202
    delivery = Delivery.objects.get()
    assert response.json()["delivery"] == {"id": delivery.pk, "status": "received"}
    assert delivery.status == "received" and delivery.outcome == "" and delivery.invitation == invited
    assert not AIInterviewResult.objects.exists()
    assert worker.queue == [("process_delivery", delivery.pk)]
    stored = raw_body_column(delivery)
    assert "R-1" not in stored and "问" not in stored and json.loads(delivery.body)["result_id"] == "R-1"

    worker.run(only="process_delivery")
    delivery.refresh_from_db()
    result = AIInterviewResult.objects.get()
    assert (delivery.status, delivery.outcome, delivery.result, delivery.attempts) == ("processed", "stored", result, 1)
    assert delivery.processed_at is not None and result.received_at == delivery.received_at
    assert worker.queue == [("apply_moves", result.pk)]


def test_r_ai_1_the_request_reads_little(invited, post_result, django_assert_max_num_queries):
    """The vendor waits for three statements: the vendor, one read (delivery key, invitation, known result)
    and one insert (plus the savepoint pair of the test's own transaction)."""
    with django_assert_max_num_queries(5):
        assert post_result(result_body(), process=False).status_code == 202


def test_r_ai_1_a_task_run_twice_processes_the_delivery_once(invited, post_result, worker):
    post_result(result_body(), process=False)
    delivery = Delivery.objects.get()
    worker.queue.clear()
    for _twice in range(2):  # the broker delivered the task twice, or the sweep re-enqueued it meanwhile
        with worker.committing():
            assert services.ai_delivery_process(delivery_id=delivery.pk) == "stored"
    assert AIInterviewResult.objects.count() == 1
    assert [name for name, _id in worker.queue].count("apply_moves") == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_r_ai_1_two_deliveries_of_one_result_waiting_together_store_it_once(invited, post_result, worker):
    """Two deliveries (other ids) of one result both arrive before the worker ran: both are answered 202,
    one stores the result, the other is processed as a duplicate."""
    assert post_result(result_body(), delivery="d-1", process=False).status_code == 202
    assert post_result(result_body(), delivery="d-2", process=False).status_code == 202
    worker.run(only="process_delivery")
    assert AIInterviewResult.objects.count() == 1
    assert list(Delivery.objects.order_by("pk").values_list("status", "outcome")) == [
        ("processed", "stored"), ("processed", "duplicate")]


def test_r_ai_1_an_unexpected_error_is_recorded_and_retried_by_the_sweep(invited, post_result, worker, monkeypatch,
                                                                         caplog):
    def broken(*args, **kwargs):
        raise OperationalError("server closed the connection; transcript 问：……答：……")

    with monkeypatch.context() as patched, caplog.at_level(logging.WARNING):
        patched.setattr(ingestion, "_result_values", broken)
        post_result(result_body())
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and delivery.attempts == 1
    assert "OperationalError" in delivery.error and "问" not in delivery.error
    assert not AIInterviewResult.objects.exists()
    assert "问" not in caplog.text and "OperationalError" in caplog.text  # the kind, never the text
    assert delivery.next_attempt_at is not None

    assert services.ai_deliveries_requeue_due(now=timezone.now()) == {"queued": 0}  # not due yet
    with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1)):
        with worker.committing():
            assert services.ai_deliveries_requeue_due(now=timezone.now()) == {"queued": 1}
    worker.run(only="process_delivery")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.outcome, delivery.error, delivery.attempts) == ("processed", "stored", "", 2)
    assert delivery.next_attempt_at is None
    assert AIInterviewResult.objects.count() == 1


def test_r_ai_1_a_delivery_left_received_is_handed_to_the_worker_again(invited, post_result, worker):
    """The task was lost (broker restart): the sweep hands the delivery over again after five minutes, once."""
    post_result(result_body(), process=False)
    worker.queue.clear()
    delivery = Delivery.objects.get()
    with worker.committing():
        assert services.ai_deliveries_requeue_due(now=delivery.enqueued_at + timedelta(minutes=1)) == {"queued": 0}
        later = delivery.enqueued_at + timedelta(minutes=6)
        assert services.ai_deliveries_requeue_due(now=later) == {"queued": 1}
        assert services.ai_deliveries_requeue_due(now=later + timedelta(seconds=30)) == {"queued": 0}
    assert worker.queue == [("process_delivery", delivery.pk)]
    worker.run(only="process_delivery")
    assert Delivery.objects.get().status == "processed" and AIInterviewResult.objects.count() == 1


def test_r_ai_1_a_body_that_no_longer_fits_fails_for_good_visible_to_hr(invited, post_result, worker, generic_vendor,
                                                                        client, users):
    """The vendor's scale changed between the request and the worker: the delivery fails with the reason, is
    not retried on its own, HR sees why on the invitation's page and the application's panel, and "process
    again" stores it once the scale is right."""
    post_result(result_body(), process=False)
    generic_vendor.dimension_map = [{"vendor": "logic", "dimension": "logic", "min": 1, "max": 3}]
    generic_vendor.save()
    worker.run(only="process_delivery")
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and "outside the vendor's scale 1-3" in delivery.error
    assert delivery.next_attempt_at is None
    assert services.ai_deliveries_requeue_due(now=timezone.now() + timedelta(days=1)) == {"queued": 0}

    client.force_login(users.hr)
    page = client.get(f"/admin/ai_interviews/aiinvitation/{invited.pk}/change/").content.decode()
    assert "outside the vendor&#x27;s scale 1-3" in page or "outside the vendor's scale 1-3" in page
    request = RequestFactory().get("/")
    request.user = users.hr
    panel = Template("{% load ai_interviews %}{% ai_result_panel app_id %}").render(
        Context({"request": request, "app_id": invited.application_id}))
    assert "could not be processed" in panel
    request.user = users.it_manager  # outside the scope: nothing about it
    assert "could not be processed" not in Template("{% load ai_interviews %}{% ai_result_panel app_id %}").render(
        Context({"request": request, "app_id": invited.application_id}))

    generic_vendor.dimension_map = [{"vendor": "logic", "dimension": "logic", "min": 1, "max": 5}]
    generic_vendor.save()
    with worker.committing():
        response = client.post("/admin/ai_interviews/aiinvitation/", {
            "action": "process_deliveries_again", "_selected_action": [invited.pk]})
    assert response.status_code == 302
    worker.run(only="process_delivery")
    delivery.refresh_from_db()
    assert delivery.status == "processed" and AIInterviewResult.objects.count() == 1


def test_r_ai_1_integration_admin_lists_deliveries_by_status(invited, post_result, client, users):
    post_result(result_body(), process=False)
    client.force_login(users.admin)
    page = client.get("/admin/ai_interviews/delivery/?status__exact=received")
    assert page.status_code == 200 and "Received, waiting to be processed" in page.content.decode()
    assert "问" not in page.content.decode()  # never the body


def test_r_ai_1_a_broker_that_is_down_costs_the_vendor_no_error(invited, post_result, worker, monkeypatch, caplog):
    """The delivery is stored before it is handed to the worker: with the broker down the vendor still
    gets 202 (the delivery is stored), and the sweep hands it over later."""
    from interviews.ai import tasks

    def broker_down(name, obj_id):
        raise ConnectionRefusedError("broker down")

    with monkeypatch.context() as patched, caplog.at_level(logging.WARNING):
        patched.setattr(tasks, "enqueue", broker_down)
        response = post_result(result_body(), process=False)
    assert response.status_code == 202
    delivery = Delivery.objects.get()
    assert delivery.status == "received" and worker.queue == []
    assert "ConnectionRefusedError" in caplog.text
    with worker.committing():
        assert services.ai_deliveries_requeue_due(now=delivery.enqueued_at + timedelta(minutes=6)) == {"queued": 1}
    worker.run(only="process_delivery")
    assert Delivery.objects.get().status == "processed" and AIInterviewResult.objects.count() == 1
