"""Webhook provisioning against a real local HTTP server: signed pushes, retries with back-off, every attempt
logged, 4xx permanent (R-ATT-1)."""

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from attendance import services
from attendance.models import DeliveryStatus, ProvisioningDelivery
from hrsys.core.periodic import run_due_jobs
from tests.attendance.factories import active_account

pytestmark = pytest.mark.django_db


class DeviceServer:
    """A fake door controller: answers with the queued status codes (then 200) and records requests."""

    def __init__(self):
        self.statuses: list[int] = []
        self.requests: list[tuple[dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests.append((dict(self.headers), body))
                code = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/provision"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = DeviceServer()
    yield s
    s.close()


@pytest.fixture
def webhook_device(users, org, server):
    device, credential = services.device_create(actor=users.hr, name="门禁控制器", department_id=org.emergency.pk,
                                                kind="door", auth="hmac", provisioning="webhook",
                                                push_url=server.url)
    return device, credential


def test_r_att_1_push_retried_with_backoff_and_logged(users, org, server, webhook_device, _no_broker,
                                                     time_machine):
    time_machine.move_to(dt.datetime(2025, 11, 3, 1, 0, tzinfo=dt.UTC), tick=False)
    device, secret = webhook_device
    account = active_account(org.emergency)
    services.attendance_account_suspend(actor=users.hr, account_id=account.pk, reason="audit")
    delivery = ProvisioningDelivery.objects.get(account=account)
    assert delivery.action == "delete" and delivery.status == DeliveryStatus.PENDING
    server.statuses = [503, 500]
    assert services.provisioning_deliver(delivery_id=delivery.pk) == DeliveryStatus.PENDING
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == timezone.now() + dt.timedelta(seconds=60)
    # not due yet: the sweep does not hand it out, a redelivered task does nothing
    assert run_due_jobs(now=timezone.now(), only=["attendance.push_provisioning"])["attendance.push_provisioning"] \
        == {"queued": 0}
    assert services.provisioning_deliver(delivery_id=delivery.pk) == "skipped"
    time_machine.move_to(timezone.now() + dt.timedelta(seconds=61), tick=False)
    _no_broker.clear()
    run_due_jobs(now=timezone.now(), only=["attendance.push_provisioning"])
    assert services.provisioning_deliver(delivery_id=delivery.pk) == DeliveryStatus.PENDING
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == timezone.now() + dt.timedelta(seconds=120)
    time_machine.move_to(timezone.now() + dt.timedelta(seconds=121), tick=False)
    assert services.provisioning_deliver(delivery_id=delivery.pk) == DeliveryStatus.SENT
    attempts = list(delivery.attempt_log.order_by("number").values_list("number", "status_code", "outcome"))
    assert attempts == [(1, 503, "transient_error"), (2, 500, "transient_error"), (3, 200, "sent")]
    headers, body = server.requests[-1]
    expected = hmac.new(secret.encode(), headers["X-Hrsys-Timestamp"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    assert headers["X-Hrsys-Signature"] == f"sha256={expected}"
    assert json.loads(body)["clock_id"] == account.clock_id and json.loads(body)["action"] == "delete"


def test_r_att_1_client_error_is_permanent_and_attempts_capped(users, org, server, webhook_device, settings,
                                                               time_machine):
    time_machine.move_to(dt.datetime(2025, 11, 3, 1, 0, tzinfo=dt.UTC), tick=False)
    account = active_account(org.emergency)
    services.attendance_account_suspend(actor=users.hr, account_id=account.pk, reason="audit")
    delivery = ProvisioningDelivery.objects.get(account=account)
    server.statuses = [422]
    assert services.provisioning_deliver(delivery_id=delivery.pk) == DeliveryStatus.FAILED
    settings.ATTENDANCE_PUSH_MAX_ATTEMPTS = 2
    services.attendance_account_resume(actor=users.hr, account_id=account.pk)
    second = ProvisioningDelivery.objects.filter(account=account).latest("pk")
    assert second.action == "upsert"
    server.statuses = [500, 500]
    services.provisioning_deliver(delivery_id=second.pk)
    time_machine.move_to(timezone.now() + dt.timedelta(hours=1), tick=False)
    assert services.provisioning_deliver(delivery_id=second.pk) == DeliveryStatus.FAILED
    second.refresh_from_db()
    assert second.attempts == 2 and second.last_error.startswith("HTTP 500")


def test_r_att_1_unreachable_device_is_transient(users, org, time_machine):
    time_machine.move_to(dt.datetime(2025, 11, 3, 1, 0, tzinfo=dt.UTC), tick=False)
    services.device_create(actor=users.hr, name="离线", department_id=org.emergency.pk, auth="hmac",
                           provisioning="webhook", push_url="http://127.0.0.1:9/nothing")
    account = active_account(org.emergency)
    services.attendance_account_suspend(actor=users.hr, account_id=account.pk, reason="x")
    delivery = ProvisioningDelivery.objects.get(account=account)
    assert services.provisioning_deliver(delivery_id=delivery.pk) == DeliveryStatus.PENDING
    assert delivery.attempt_log.get().outcome == "transient_error"
