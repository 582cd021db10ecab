"""Outgoing events delivered to a local receiver: signed, retried, refused, replayed (R-INT-2)."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from candidates.services import application_create, application_transition
from hrsys.audit.models import AuditEvent
from hrsys.events import services
from hrsys.events.models import Delivery, DeliveryAttempt, DeliveryStatus, Event, Subscription
from hrsys.events.signing import sign
from interviews.ai.adapters.base import verify_signature
from interviews.ai.models import SignatureScheme
from tests.candidates.factories import CandidateFactory, JobFactory
from tests.events.conftest import SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(org):
    return JobFactory(department=org.emergency, title="急诊护士")


def _apply(users, job, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return application_create(actor=users.director, candidate_id=CandidateFactory().pk, job_id=job.pk)


def _later(minutes):
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=True)


def test_r_int_2_a_real_flow_reaches_the_receiver_signed(users, job, subscription, receiver, queue,
                                                          django_capture_on_commit_callbacks):
    app = _apply(users, job, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        application_transition(actor=users.director, application_id=app.pk, transition="screen")
    assert [outcome for _id, outcome in queue.run()] == ["delivered", "delivered"]

    created, moved = receiver.events()
    assert created["type"] == "application.created" and moved["type"] == "application.moved"
    assert created["organisation"] == {"id": job.department.parent_id, "code": "hosp"}
    assert created["data"] == {"application_id": app.pk, "candidate_id": app.candidate_id, "job_id": job.pk,
                               "state": "new", "source": app.source, "reactivated_from_id": None}
    assert moved["data"] == {"application_id": app.pk, "candidate_id": app.candidate_id, "job_id": job.pk,
                             "transition": "screen", "from_state": "new", "to_state": "screening"}
    assert created["id"] != moved["id"] and created["created_at"].endswith("Z")
    for record, event in zip(receiver.received, (created, moved), strict=True):
        headers = record["headers"]
        assert headers["x-hrsys-event-id"] == event["id"]
        assert headers["x-hrsys-event-type"] == event["type"]
        assert headers["content-type"].startswith("application/json")
        # the same recipe that verifies AI vendors' webhooks verifies ours (hrsys-v1)
        verify_signature(scheme=SignatureScheme.HRSYS_V1, headers={"X-Hrsys-Signature": headers["x-hrsys-signature"]},
                         body=record["body"], secrets=[SECRET], tolerance=300, now=timezone.now())
        t = headers["x-hrsys-signature"].split(",")[0].removeprefix("t=")
        assert headers["x-hrsys-signature"] == f"t={t},v1={sign(SECRET, int(t), record['body'])}"
    assert "name" not in json.dumps(created["data"])  # ids and states, no personal data


def test_r_int_2_nothing_is_written_without_a_matching_subscription(users, job, org, queue,
                                                                    django_capture_on_commit_callbacks):
    Subscription.objects.create(organisation=org.company, name="other organisation", url="https://hooks.example.org/x",
                                secret=SECRET, event_types=["application.created"])
    Subscription.objects.create(organisation=org.hospital, name="other types", url="https://hooks.example.org/y",
                                secret=SECRET, event_types=["employee.created"])
    Subscription.objects.create(organisation=org.hospital, name="inactive", url="https://hooks.example.org/z",
                                secret=SECRET, event_types=["application.created"], active=False)
    _apply(users, job, django_capture_on_commit_callbacks)
    assert Event.objects.count() == 0 and Delivery.objects.count() == 0 and queue.ids == []


def test_r_int_2_rolled_back_change_sends_nothing(users, job, subscription, queue):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        application_create(actor=users.director, candidate_id=CandidateFactory().pk, job_id=job.pk)
        raise RuntimeError
    assert Event.objects.count() == 0 and queue.ids == []


def test_r_int_2_500_is_retried_with_backoff_and_the_event_id_stays(sweep, users, job, subscription, receiver, queue,
                                                                    django_capture_on_commit_callbacks, settings):
    settings.EVENTS_RETRY_BASE_SECONDS = 60
    receiver.script = [(500, {}), (503, {})]
    _apply(users, job, django_capture_on_commit_callbacks)
    assert queue.run()[0][1] == "retry"
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempt_count, delivery.last_status_code) == (DeliveryStatus.PENDING, 1, 500)
    first_wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=55) < first_wait <= timedelta(seconds=60)
    # not due yet: the sweep leaves it; a stray task does nothing
    assert sweep()["enqueued"] == 0
    assert services.delivery_send(delivery_id=delivery.pk) == "not-due"
    with _later(2):
        assert sweep()["enqueued"] == 1
        assert sweep()["enqueued"] == 0  # handed out once
        assert queue.run()[0][1] == "retry"
        delivery.refresh_from_db()
        assert delivery.last_status_code == 503
        assert timedelta(seconds=115) < delivery.next_attempt_at - timezone.now() <= timedelta(seconds=120)
    with _later(10):
        sweep()
        assert queue.run()[0][1] == "delivered"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 3, 200)
    assert [a.outcome for a in delivery.attempts.all()] == ["retry", "retry", "delivered"]
    ids = {r["headers"]["x-hrsys-event-id"] for r in receiver.received}
    bodies = {r["body"] for r in receiver.received}
    assert len(receiver.received) == 3 and ids == {str(delivery.event_id)} and len(bodies) == 1


def test_r_int_2_400_is_not_retried(sweep, users, job, subscription, receiver, queue, django_capture_on_commit_callbacks):
    receiver.script = [(400, {})]
    _apply(users, job, django_capture_on_commit_callbacks)
    assert queue.run()[0][1] == "failed"
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempt_count, delivery.last_status_code) == (DeliveryStatus.FAILED, 1, 400)
    assert delivery.attempts.get().outcome == DeliveryAttempt.Outcome.PERMANENT
    with _later(24 * 60):
        assert sweep()["enqueued"] == 0
        assert services.delivery_send(delivery_id=delivery.pk) == "skipped:failed"
    assert len(receiver.received) == 1


@pytest.mark.parametrize("status", [408, 429])
def test_r_int_2_408_and_429_are_retried_and_retry_after_is_honoured(sweep, users, job, subscription, receiver, queue,
                                                                      django_capture_on_commit_callbacks, status):
    receiver.script = [(status, {"Retry-After": "600"})]
    _apply(users, job, django_capture_on_commit_callbacks)
    assert queue.run()[0][1] == "retry"
    delivery = Delivery.objects.get()
    assert timedelta(seconds=595) < delivery.next_attempt_at - timezone.now() <= timedelta(seconds=600)
    with _later(5):
        assert sweep()["enqueued"] == 0  # Retry-After: 10 min
    with _later(11):
        sweep()
        assert queue.run()[0][1] == "delivered"
    assert len(receiver.received) == 2


def test_r_int_2_gives_up_after_the_last_attempt(sweep, users, job, subscription, receiver, queue, settings,
                                                  django_capture_on_commit_callbacks):
    settings.EVENTS_MAX_ATTEMPTS = 2
    receiver.script = [(500, {}), (500, {}), (500, {})]
    _apply(users, job, django_capture_on_commit_callbacks)
    assert queue.run()[0][1] == "retry"
    with _later(10):
        sweep()
        assert queue.run()[0][1] == "failed"
    assert Delivery.objects.get().status == DeliveryStatus.FAILED and len(receiver.received) == 2


def test_r_int_2_replay_sends_the_same_event_again_and_is_audited(users, job, subscription, receiver, queue,
                                                                   django_capture_on_commit_callbacks):
    receiver.script = [(400, {})]
    _apply(users, job, django_capture_on_commit_callbacks)
    queue.run()
    original = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        replay = services.delivery_replay(actor=users.director, delivery_id=original.pk)
    assert queue.run() == [(replay.pk, "delivered")]
    replay.refresh_from_db()
    assert replay.replay_of == original and replay.event_id == original.event_id
    assert replay.status == DeliveryStatus.DELIVERED
    first, second = receiver.received
    assert first["body"] == second["body"]
    assert first["headers"]["x-hrsys-event-id"] == second["headers"]["x-hrsys-event-id"]
    assert first["headers"]["x-hrsys-delivery-id"] != second["headers"]["x-hrsys-delivery-id"]
    audit = AuditEvent.objects.get(action="event_delivery.replay")
    assert audit.actor == users.director and audit.object_id == str(replay.pk)


def test_r_int_2_replay_needs_the_permission_and_the_scope(users, job, subscription, receiver, queue,
                                                           django_capture_on_commit_callbacks):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from tests.factories import UserFactory

    _apply(users, job, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    with pytest.raises(PermissionDenied):
        services.delivery_replay(actor=users.hr, delivery_id=delivery.pk)
    with pytest.raises(Http404):
        services.delivery_replay(actor=users.director, delivery_id=987654)
    assert UserFactory(username="d2", role="hr_director").has_perm("events.change_delivery")


def test_r_int_2_a_private_address_is_refused_for_good(users, job, org, queue, settings,
                                                        django_capture_on_commit_callbacks):
    settings.EVENTS_HTTP_HOSTS = ("localhost",)
    Subscription.objects.create(organisation=org.hospital, name="internal", url="http://localhost:6379/",
                                secret=SECRET, event_types=["application.created"])
    _apply(users, job, django_capture_on_commit_callbacks)
    assert queue.run()[0][1] == "failed"
    delivery = Delivery.objects.get()
    assert "loopback" in delivery.last_error and delivery.last_status_code is None


def test_r_int_2_a_worker_lost_mid_request_is_retried_after_the_lease(sweep, users, job, subscription, receiver, queue,
                                                                       settings, django_capture_on_commit_callbacks):
    _apply(users, job, django_capture_on_commit_callbacks)
    delivery_id = queue.ids.pop()
    with pytest.raises(RuntimeError):
        # the claim commits, then the "worker" dies before any outcome is recorded
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("hrsys.core.safe_http.post", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
            try:
                services.delivery_send(delivery_id=delivery_id)
            except KeyboardInterrupt:
                raise RuntimeError from None
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SENDING
    assert services.delivery_send(delivery_id=delivery_id) == "busy"
    assert sweep()["enqueued"] == 0
    with _later(settings.EVENTS_LEASE_SECONDS / 60 + 1):
        assert sweep() == {"enqueued": 1, "reclaimed": 1}
        assert queue.run()[0][1] == "delivered"
    assert [a.outcome for a in Delivery.objects.get().attempts.all()] == ["abandoned", "delivered"]
