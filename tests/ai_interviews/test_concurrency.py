"""Concurrent copies of one result (vendor retries racing) store it once (R-AI-1). PostgreSQL only.

Each copy is a delivery of its own (another delivery id): all are stored and answered at once, and the worker
processes them -- the invitation row lock serialises them -- into one stored result and duplicates."""

import json
import threading

import pytest
from django.db import connection

from interviews.ai.models import AIInterviewResult, Delivery
from tests.ai_interviews.conftest import generic_headers
from tests.ai_interviews.test_ingest import result_body


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_r_ai_1_racing_deliveries_of_one_result_store_it_once(invited, client, worker):
    body = json.dumps(result_body()).encode()
    barrier = threading.Barrier(6)
    codes = []

    def send(i):
        from django.test import Client

        headers = generic_headers(body, delivery=f"d-{i}")
        barrier.wait()
        try:
            codes.append(Client().post("/api/v1/integrations/ai-interviews/acme/results/", data=body,
                                       content_type="application/json", **headers).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(codes) == 6 and set(codes) <= {200, 202}
    assert Delivery.objects.count() == 6
    worker.run(only="process_delivery")
    assert AIInterviewResult.objects.count() == 1
    assert not Delivery.objects.exclude(status="processed").exists()
    assert Delivery.objects.filter(outcome="stored").count() == 1
    assert Delivery.objects.count() == 6
