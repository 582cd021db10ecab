"""A small fake Twilio REST server for tests and the benchmark.

It speaks enough of the 2010-04-01 API for the real ``twilio`` client:
POST/GET Messages.json and Calls.json, GET Messages/{sid}.json, and the v2
Lookup. Errors can be scripted (``fail_next(status, code, times)``). It keeps connections
alive (HTTP/1.1) as Twilio does and counts them (``connections``).
"""

import json
import threading
import time
import uuid
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from django.utils import timezone

from tests.fake_http import FakeHTTPServer


class FakeTwilio(FakeHTTPServer):
    def __init__(self):
        self.messages: list[dict] = []
        self.calls: list[dict] = []
        self.requests: list[tuple[str, str]] = []
        self.failures: list[tuple[int, int]] = []
        self.connections = 0
        #: seconds between taking a message and answering: a worker killed meanwhile never hears it was sent
        self.answer_delay = 0.0
        self.lock = threading.Lock()
        self._serve(self._handler())

    def fail_next(self, status: int, code: int, times: int = 1, retry_after: int | None = None):
        with self.lock:
            self.failures.extend([(status, code, retry_after)] * times)

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: one connection serves many requests
            disable_nagle_algorithm = True  # headers and body leave at once, not 40 ms apart (delayed ACK)

            def setup(self):
                super().setup()
                with fake.lock:
                    fake.connections += 1

            def log_message(self, *args):
                pass

            def _send(self, status, payload, retry_after=None):
                body = json.dumps(payload).encode()
                self.send_response(status)
                if retry_after is not None:
                    self.send_header("Retry-After", str(retry_after))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _error(self):
                with fake.lock:
                    if not fake.failures:
                        return False
                    status, code, retry_after = fake.failures.pop(0)
                self._send(status, {"code": code, "message": f"fake error {code}", "status": status,
                                    "more_info": f"https://www.twilio.com/docs/errors/{code}"}, retry_after)
                return True

            def do_POST(self):  # noqa: N802
                path = urlsplit(self.path).path
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
                fake.requests.append(("POST", path))
                if not self.headers.get("Authorization", "").startswith("Basic "):
                    return self._send(401, {"code": 20003, "message": "Authenticate", "status": 401})
                if self._error():
                    return
                now = format_datetime(timezone.now())
                if path.endswith("/Messages.json"):
                    item = {"sid": "SM" + uuid.uuid4().hex, "to": form.get("To"), "from": form.get("From"),
                            "body": form.get("Body"), "status": "queued", "date_created": now,
                            "date_updated": now, "status_callback": form.get("StatusCallback")}
                    with fake.lock:
                        fake.messages.append(item)
                    if fake.answer_delay:
                        time.sleep(fake.answer_delay)  # the provider's own latency, in the fake server's thread
                    return self._send(201, item)
                if path.endswith("/Calls.json"):
                    item = {"sid": "CA" + uuid.uuid4().hex, "to": form.get("To"), "from": form.get("From"),
                            "twiml": form.get("Twiml"), "status": "queued", "date_created": now,
                            "date_updated": now, "status_callback": form.get("StatusCallback")}
                    with fake.lock:
                        fake.calls.append(item)
                    return self._send(201, item)
                return self._send(404, {"code": 20404, "message": "not found", "status": 404})

            def do_GET(self):  # noqa: N802
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                fake.requests.append(("GET", parts.path))
                if self._error():
                    return
                if parts.path.startswith("/v2/PhoneNumbers/"):
                    number = parts.path.rsplit("/", 1)[1]
                    return self._send(200, {"phone_number": number, "valid": number.startswith("+"),
                                            "country_code": "CN"})
                for suffix, items, key in (("/Messages.json", fake.messages, "messages"),
                                           ("/Calls.json", fake.calls, "calls")):
                    if parts.path.endswith(suffix):
                        rows = [m for m in items if (not query.get("To") or m["to"] == query["To"])
                                and (not query.get("From") or m["from"] == query["From"])]
                        return self._send(200, {key: list(reversed(rows)), "next_page_uri": None,
                                                "page": 0, "page_size": 50, "uri": parts.path})
                if "/Messages/" in parts.path:
                    sid = parts.path.rsplit("/", 1)[1].removesuffix(".json")
                    for m in fake.messages:
                        if m["sid"] == sid:
                            return self._send(200, m)
                return self._send(404, {"code": 20404, "message": "not found", "status": 404})

        return Handler
