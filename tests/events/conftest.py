"""A local receiver for outgoing events (R-INT-2): an http.server in a thread that records what it gets and
answers from a script (status, headers) -- then 200 once the script runs out."""

import json
import threading
from http.server import BaseHTTPRequestHandler

import pytest

from hrsys.events import tasks
from tests.fake_http import FakeHTTPServer

SECRET = "whsec-test-0123456789abcdef"
REAL_ENQUEUE = tasks.enqueue_delivery


class Receiver(FakeHTTPServer):
    path = "/hooks/hrsys"

    def __init__(self):
        self.received: list[dict] = []
        self.script: list[tuple[int, dict]] = []
        self.on_request = None  # called with the request record before answering (the kill -9 test blocks)
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                record = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                          "body": body}
                with receiver._lock:
                    receiver.received.append(record)
                    status, headers = receiver.script.pop(0) if receiver.script else (200, {})
                if receiver.on_request is not None:
                    receiver.on_request(record)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self._serve(Handler)

    def events(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.received]


@pytest.fixture
def receiver(settings):
    settings.EVENTS_HTTP_HOSTS = ("127.0.0.1",)
    settings.EVENTS_ALLOW_PRIVATE_HOSTS = ("127.0.0.1",)
    server = Receiver().start()
    yield server
    server.stop()


class Queue:
    """The task queue, in-process: ids enqueued on commit are collected; ``run()`` sends them."""

    def __init__(self):
        self.ids: list[int] = []

    def run(self) -> list[tuple[int, str]]:
        from hrsys.events.services import delivery_send

        done = []
        while self.ids:
            delivery_id = self.ids.pop(0)
            done.append((delivery_id, delivery_send(delivery_id=delivery_id)))
        return done


@pytest.fixture
def queue(monkeypatch):
    q = Queue()
    monkeypatch.setattr(tasks, "enqueue_delivery", q.ids.append)
    return q


@pytest.fixture
def subscription(org, receiver):
    from hrsys.events.models import Subscription
    from hrsys.events.types import EVENT_TYPES

    return Subscription.objects.create(organisation=org.hospital, name="集成 receiver", url=receiver.url,
                                       secret=SECRET, event_types=list(EVENT_TYPES))


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """The minute's sweep as hr_tick runs it, its enqueues executed on commit."""
    from django.utils import timezone

    from hrsys.events.services import deliveries_dispatch_due

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return deliveries_dispatch_due(now=timezone.now())

    return run


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are asserted in English (the msgids)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
