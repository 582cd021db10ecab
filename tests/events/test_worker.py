"""At least once through a real worker killed with SIGKILL mid-request (R-INT-2): the event arrives again
after the lease, with the same event id and body, so the receiver can de-duplicate."""

import os
import signal
import threading

import pytest
from django.utils import timezone

from candidates.services import application_create
from hrsys.events.models import Delivery, DeliveryStatus
from hrsys.events.services import deliveries_dispatch_due
from tests.candidates.factories import CandidateFactory, JobFactory
from tests.conftest import wait_until

pytestmark = pytest.mark.slow


def test_r_int_2_kill_9_of_the_worker_mid_request_still_delivers_with_the_same_event_id(
        celery_worker_process, receiver, subscription, users, org, settings):
    settings.EVENTS_LEASE_SECONDS = 2
    arrived, release = threading.Event(), threading.Event()

    def hold_the_first_request(record):
        if len(receiver.received) == 1:
            arrived.set()
            release.wait(30)  # the worker dies while waiting for this answer

    receiver.on_request = hold_the_first_request
    worker_env = {"EVENTS_HTTP_HOSTS": "127.0.0.1", "EVENTS_ALLOW_PRIVATE_HOSTS": "127.0.0.1",
                  "EVENTS_LEASE_SECONDS": "2"}
    celery_worker_process.start(broker="filesystem", concurrency=1, **worker_env)
    job = JobFactory(department=org.emergency)
    application_create(actor=users.director, candidate_id=CandidateFactory().pk, job_id=job.pk)  # commits

    wait_until(arrived.is_set, message=f"the worker's first request; log:\n{celery_worker_process.log()[-3000:]}")
    first_worker = celery_worker_process.procs.pop()
    os.killpg(first_worker.pid, signal.SIGKILL)
    first_worker.wait(timeout=20)
    release.set()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SENDING  # the outcome was never recorded
    assert list(delivery.attempts.values_list("outcome", flat=True)) == ["in_flight"]

    celery_worker_process.start(broker="filesystem", concurrency=1, **worker_env)

    def delivered():
        deliveries_dispatch_due(now=timezone.now())  # hr_tick: hands the delivery out again after the lease
        return Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.DELIVERED).exists()

    wait_until(delivered, interval=0.5, message=f"redelivery; log:\n{celery_worker_process.log()[-3000:]}")
    assert len(receiver.received) >= 2
    assert {r["headers"]["x-hrsys-event-id"] for r in receiver.received} == {str(delivery.event_id)}
    assert {r["body"] for r in receiver.received} == {receiver.received[0]["body"]}
    outcomes = list(Delivery.objects.get(pk=delivery.pk).attempts.values_list("outcome", flat=True))
    assert outcomes[0] == "abandoned" and outcomes[-1] == "delivered"
