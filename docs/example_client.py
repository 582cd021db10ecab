#!/usr/bin/env python3
"""hrsys example API client: the whole hiring story through public interfaces only (issue 18 item 8, R-INT-1).

Standard library only. Every step calls the documented REST API (OpenAPI at ``/api/schema/``, Swagger UI at
``/api/docs/``), checks the HTTP status and stops with a clear message and exit code 1 on the first surprise.
A step that exists only in the candidate portal or on an HTML page is printed as ``SKIP`` with the reason: it
is never faked through a side door.

The story, in order:

 1. HR (and, when given, the interviewer, the approving manager and the HR director) obtain API tokens.
 2. The HR director subscribes to outgoing events (``/api/v1/event-subscriptions/``); with ``--events-listen``
    the script itself receives them and checks each signature.
 3. HR creates a department, a pay band for it and a job with two interview rounds (configuration API).
 4. A candidate finds the job on the public careers API and applies with a generated Word résumé.
 5. HR finds the application in the screening queue, screens it and invites the candidate to the AI interview.
 6. The AI vendor pushes a signed result to the webhook (hrsys-v1 HMAC); the same delivery again is a duplicate.
 7. The application moves by itself (R-PIPE-3); HR proposes and books the interview rounds that the system did
    not book itself; the interviewer reads the earlier results and submits feedback once the round has started.
 8. HR drafts the offer, submits it, the approvers approve it, HR sends it.
 9. Acceptance, onboarding, the employee file and the attendance account, as far as the API allows.
10. The event subscription's delivery log.

Run it against ``make run``'s demo (see docs/api.md)::

    .venv/bin/python docs/example_client.py --base-url http://127.0.0.1:8000 \\
        --username hr --password hrsys-demo-2026 \\
        --vendor demo-ai --vendor-secret demo-ai-secret-change-me-2026 \\
        --interviewer interviewer:hrsys-demo-2026 --approver er_manager:hrsys-demo-2026 \\
        --director director:hrsys-demo-2026 --parent-department emergency

Exit codes: 0 the story ran (possibly with SKIPs, each explained), 1 a step failed, 2 bad arguments.
The last line printed is ``STORY {json}``: the ids of everything the story created.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import io
import json
import secrets
import struct
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

EVENT_TYPES = ["application.created", "application.moved", "interview.scheduled", "interview.cancelled",
               "ai_result.received", "offer.approved", "offer.accepted", "employee.created",
               "attendance.account.activated"]
DIMENSIONS = [  # the job's assessment dimensions; the demo vendor maps its keys onto these (1..5 -> 0..100)
    {"key": "communication", "label": "Communication", "pass": 70, "borderline": 50},
    {"key": "logic", "label": "Logic", "pass": 70, "borderline": 50},
    {"key": "professional_skill", "label": "Professional skill", "pass": 70, "borderline": 50},
]
VENDOR_SCORES = {"communication": 5, "logic": 5, "professional": 4.5}  # the demo vendor's own keys and scale


def totp(key_base32: str, at: float | None = None) -> str:
    """The 6-digit time-based code (RFC 6238: HMAC-SHA1, 30-second steps) an authenticator app shows for the key."""
    key = base64.b32decode(key_base32.replace(" ", "").upper() + "=" * (-len(key_base32.replace(" ", "")) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


class StoryError(Exception):
    """A step did not go as documented: the message says which and what the server answered."""


# -- HTTP --------------------------------------------------------------------------------------------------------

class Api:
    """A thin JSON client: one call, one expected status set; the server's clock read from the Date header."""

    def __init__(self, base_url: str, *, token: str | None = None, name: str = "anonymous", timeout: float = 30):
        self.base = base_url.rstrip("/")
        self.token = token
        self.name = name
        self.timeout = timeout
        self.server_date: datetime | None = None

    def as_user(self, token: str, name: str) -> Api:
        return Api(self.base, token=token, name=name, timeout=self.timeout)

    def call(self, method: str, path: str, *, body=None, raw: bytes | None = None, content_type: str = "",
             headers: dict | None = None, query: dict | None = None, expect=(200,), what: str = ""):
        url = self.base + path + (("?" + urllib.parse.urlencode(query)) if query else "")
        sent = dict(headers or {})
        sent.setdefault("Accept", "application/json")
        sent.setdefault("Accept-Language", "en")
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        elif content_type:
            sent["Content-Type"] = content_type
        if self.token:
            sent["Authorization"] = f"Token {self.token}"
        request = urllib.request.Request(url, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - the given URL
                status, payload, answer_headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as exc:
            status, payload, answer_headers = exc.code, exc.read(), exc.headers
        except urllib.error.URLError as exc:
            raise StoryError(f"{what or path}: cannot reach {url}: {exc.reason}") from None
        if answer_headers.get("Date"):
            self.server_date = parsedate_to_datetime(answer_headers["Date"])
        try:
            parsed = json.loads(payload) if payload else None
        except ValueError:
            parsed = payload.decode(errors="replace")[:300]
        if status not in expect:
            raise StoryError(f"{what or 'request'}: {method} {path} as {self.name} answered HTTP {status}, "
                             f"expected {'/'.join(map(str, expect))}: {json.dumps(parsed, ensure_ascii=False)[:600]}")
        return status, parsed

    def get(self, path, **kw):
        return self.call("GET", path, **kw)[1]

    def post(self, path, body=None, **kw):
        kw.setdefault("expect", (200, 201))
        return self.call("POST", path, body=body if body is not None else {}, **kw)[1]

    def all_pages(self, path, query=None, what=""):
        """Every row of a paginated list, following ``next``."""
        page, rows = 1, []
        while True:
            data = self.get(path, query={**(query or {}), "page_size": 200, "page": page}, what=what)
            rows.extend(data["results"])
            if not data.get("next"):
                return rows
            page += 1

    def now(self) -> datetime:
        """The server's clock (its last Date header), else ours."""
        if self.token:
            self.get("/api/v1/me/", what="read the server's clock")
        return self.server_date or datetime.now(UTC)


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = "hrsys-" + uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, ctype) in files.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f"Content-Type: {ctype}\r\n\r\n".encode())
        out.write(content)
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def docx_resume(lines: list[str]) -> bytes:
    """A minimal Word (.docx) file: one paragraph per line."""
    paragraphs = "".join(f"<w:p><w:r><w:t>{escape(line)}</w:t></w:r></w:p>" for line in lines)
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
        'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"'
        "/></Types>",
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/document.xml": '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats'
        f'.org/wordprocessingml/2006/main"><w:body>{paragraphs}</w:body></w:document>',
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


def hrsys_signature(secret: str, timestamp: int, body: bytes) -> str:
    """``X-Hrsys-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>`` (docs/events.md)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class EventListener:
    """Receives the outgoing events on a local port and checks each one's signature with the subscription's
    secret, as an integrator would (docs/events.md)."""

    def __init__(self, address: str):
        host, _sep, port = address.rpartition(":")
        self.secret = ""
        self.received: list[dict] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                header = self.headers.get("X-Hrsys-Signature", "")
                parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
                expected = hrsys_signature(listener.secret, int(parts.get("t", "0") or 0), body)
                valid = bool(listener.secret) and hmac.compare_digest(expected, header)
                listener.received.append({"type": self.headers.get("X-Hrsys-Event-Type", ""), "valid": valid,
                                          "event": json.loads(body) if valid else None})
                self.send_response(200 if valid else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host or "127.0.0.1", int(port or 0)), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}/hrsys-events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


# -- the story ---------------------------------------------------------------------------------------------------

class Story:
    def __init__(self, args):
        self.args = args
        self.api = Api(args.base_url, timeout=args.http_timeout)
        self.step_no = 0
        self.ids: dict = {"skipped": []}
        self.listener = EventListener(args.events_listen) if args.events_listen else None

    # output
    def step(self, title: str):
        self.step_no += 1
        print(f"\n[{self.step_no}] {title}", flush=True)

    def say(self, text: str):
        print(f"    {text}", flush=True)

    def skip(self, text: str):
        print(f"    SKIP: {text}", flush=True)
        self.ids["skipped"].append(text)

    def poll(self, what: str, fetch, done, *, timeout: float | None = None):
        """Ask until ``done(value)``: work the server does in its worker processes takes a moment."""
        deadline = time.monotonic() + (timeout if timeout is not None else self.args.timeout)
        while True:
            value = fetch()
            if done(value):
                return value
            if time.monotonic() > deadline:
                raise StoryError(f"{what}: not done after {self.args.timeout:.0f} s (is the Celery worker running?)")
            time.sleep(self.args.poll)

    # sign-in
    def login(self, spec: str, label: str) -> tuple[Api, dict]:
        username, _sep, password = spec.partition(":")
        if not password:
            raise StoryError(f"--{label}: give USERNAME:PASSWORD")
        credentials = {"username": username, "password": password}
        if self.args.totp_key:  # two-factor sign-in (admin, HR director, HR): the code of the moment
            credentials["otp"] = totp(self.args.totp_key)
        data = self.api.post("/api/v1/auth/token/", credentials, expect=(200,),
                             what=f"obtain an API token for {username}")
        client = self.api.as_user(data["token"], username)
        me = client.get("/api/v1/me/", what=f"read {username}'s profile")
        self.say(f"{username}: token obtained; role {me['role']}, departments "
                 f"{[d['code'] for d in me['departments']] or 'none'}")
        return client, me

    def run(self):
        a = self.args
        self.step("Sign in: API tokens (POST /api/v1/auth/token/)")
        self.hr, self.hr_me = self.login(f"{a.username}:{a.password}", "username")
        self.interviewer, self.interviewer_me = self.login(a.interviewer, "interviewer") if a.interviewer \
            else (None, None)
        self.approvers = [self.login(spec, "approver") for spec in a.approver]
        self.director, self.director_me = self.login(a.director, "director") if a.director else (None, None)

        self.vendor_check()
        department = self.configure()
        self.subscribe(department)
        job = self.open_job(department)
        self.apply(job)
        app = self.screen_and_invite(job)
        self.vendor_pushes_result(app)
        self.after_ai_result(app)
        for round_ in self.rounds:
            self.interview_round(app, round_)
        offer = self.offer(app)
        self.after_offer(app, offer)
        self.deliveries()
        print("\nSTORY " + json.dumps(self.ids, ensure_ascii=False), flush=True)

    # 1. the vendor
    def vendor_check(self):
        a = self.args
        self.step(f"AI vendor {a.vendor}: the configuration API")
        status, data = self.hr.call("GET", "/api/v1/ai-interviews/vendors/", expect=(200, 403, 404),
                                    what="list AI vendors")
        if status == 404:
            self.skip("this server has no AI vendor configuration API (/api/v1/ai-interviews/vendors/); the vendor "
                      f"'{a.vendor}' and its secret must be set up in the admin")
            return
        if status == 403:
            self.skip("AI vendors are the system administrator's configuration; HR may not list them. Using "
                      f"'{a.vendor}' as configured")
            return
        known = [v for v in data["results"] if v["slug"] == a.vendor]
        if not known:
            raise StoryError(f"the AI vendor '{a.vendor}' is not configured on this server")
        self.say(f"vendor '{a.vendor}' is configured (secret set: {known[0].get('secret_set')})")

    # 2. configuration
    def configure(self) -> dict:
        a = self.args
        self.step("Configuration API: a department and its pay band (R-INT-4)")
        departments = self.hr.all_pages("/api/v1/departments/", what="list departments")
        parent = None
        if a.parent_department:
            parent = next((d for d in departments if a.parent_department in (str(d["id"]), d["code"])), None)
            if parent is None:
                raise StoryError(f"--parent-department {a.parent_department}: not among the departments "
                                 f"{self.hr.name} may configure")
        else:
            mine = [d["id"] for d in (self.approvers[0][1]["departments"] if self.approvers
                                      else self.hr_me["departments"])]
            parent = next((d for d in departments if d["id"] in mine), departments[0] if departments else None)
        if parent is None:
            raise StoryError(f"{self.hr.name} may configure no department")
        suffix = secrets.token_hex(3)
        department = self.hr.post("/api/v1/departments/", {
            "name": f"Example client ward {suffix}", "code": f"example-{suffix}", "kind": "department",
            "parent_id": parent["id"]}, expect=(201,), what="create a department")
        self.ids["department"] = department["id"]
        self.say(f"department {department['id']} '{department['name']}' under {parent['code']} "
                 f"(organisation {department['organisation_id']}, path {department['path']})")
        band = self.hr.post("/api/v1/onboarding/pay-bands/", {
            "department_id": department["id"], "job_level": "P5", "minimum": "9000.00", "midpoint": "12000.00",
            "maximum": "15000.00", "currency": "CNY"}, expect=(201,), what="create a pay band")
        self.ids["pay_band"] = band["id"]
        self.say(f"pay band {band['id']}: P5 {band['minimum']}-{band['maximum']} {band['currency']} a month")
        return department

    # 3. events
    def subscribe(self, department: dict):
        a = self.args
        self.step("Outgoing events: a subscription (POST /api/v1/event-subscriptions/, R-INT-2)")
        client = self.director or self.hr
        url = self.listener.url if self.listener else a.events_url
        secret = "example-" + secrets.token_hex(16)
        status, data = client.call("POST", "/api/v1/event-subscriptions/", body={
            "organisation_id": department["organisation_id"], "name": "example client", "url": url,
            "secret": secret, "event_types": EVENT_TYPES}, expect=(201, 403), what="subscribe to events")
        if status == 403:
            self.skip(f"{client.name} may not manage event subscriptions (the HR director and the system "
                      "administrator may): give --director")
            self.subscription = None
            return
        if self.listener:
            self.listener.secret = secret
        self.subscription = data
        self.ids["event_subscription"] = data["id"]
        self.say(f"subscription {data['id']} to {url}: {', '.join(data['event_types'])} (the secret is write-only: "
                 f"{'secret' not in data})")

    # 4. the job
    def open_job(self, department: dict) -> dict:
        self.step("A job with two interview rounds (POST /api/v1/jobs/)")
        panel = [self.interviewer_me["id"]] if self.interviewer_me else []
        if not panel:
            staff = self.hr.get("/api/v1/staff/", query={"role": "interviewer", "page_size": 1},
                                what="find an interviewer")["results"]
            if not staff:
                raise StoryError("no interviewer in HR's departments: give --interviewer")
            panel = [staff[0]["id"]]
            self.say(f"interviewer {staff[0]['username']} (no --interviewer given: their feedback will be skipped)")
        job = self.hr.post("/api/v1/jobs/", {
            "department": department["id"], "title": f"Example nurse {department['code']}", "headcount": 1,
            "priority": "high", "status": "open", "published": True,
            "description": "Created by docs/example_client.py", "skills": [{"name": "triage", "weight": 3}, {"name": "ICU", "weight": 2, "aliases": ["intensive care"]}],
            "min_years": 1,
            "education_level": "bachelor", "assessment_dimensions": DIMENSIONS,
            "rounds": [{"kind": "technical", "interviewers": panel, "duration_minutes": 45},
                       {"kind": "final", "interviewers": panel, "duration_minutes": 30}]},
            expect=(201,), what="open a job")
        job = self.hr.get(f"/api/v1/jobs/{job['id']}/", what="read the job")
        self.ids["job"] = job["id"]
        self.rounds = job["rounds"]
        self.say(f"job {job['id']} '{job['title']}' ({job['status']}, published {job['published']}); rounds: "
                 + ", ".join(f"{r['order']}. {r['kind']} (id {r.get('id', '?')})" for r in self.rounds))
        if any("id" not in r for r in self.rounds):
            self.say("note: this server's job API gives no round ids; they are learnt from the bookings")
        return job

    # 5. the candidate applies
    def apply(self, job: dict):
        self.step("The candidate applies on the public careers API (/api/v1/public/jobs/)")
        public = Api(self.args.base_url, timeout=self.args.http_timeout)
        listed = public.all_pages("/api/v1/public/jobs/", what="list the careers site's jobs")
        mine = next((j for j in listed if j["id"] == job["id"]), None)
        if mine is None:
            raise StoryError(f"job {job['id']} is not on the public careers API")
        detail = public.get(f"/api/v1/public/jobs/{job['id']}/", what="read the public job")
        self.say(f"{len(listed)} open jobs listed; job {detail['id']} at {detail['organization_name']}, "
                 f"privacy notice {detail['privacy_notice_version']}")
        tag = secrets.token_hex(4)
        self.candidate = {"name": f"Example Applicant {tag}", "phone": f"+86139{int(tag, 16) % 10**8:08d}",
                          "email": f"applicant-{tag}@example.org"}
        resume = docx_resume([self.candidate["name"], f"Phone {self.candidate['phone']}",
                              f"E-mail {self.candidate['email']}", "Bachelor of Nursing, 2019",
                              "5 years of experience: emergency triage, ICU", "Skills: triage, ICU"])
        # consent to the application and, asked apart, to the AI interview's recording (R-SEC-5): the story invites
        raw, ctype = multipart({**self.candidate, "consent": "true", "consent_ai_recording": "true",
                                "consent_version": detail["privacy_notice_version"], "preferred_language": "en"},
                               {"resume": (f"resume-{tag}.docx", resume, "application/vnd.openxmlformats-"
                                           "officedocument.wordprocessingml.document")})
        answer = public.call("POST", f"/api/v1/public/jobs/{job['id']}/applications/", raw=raw, content_type=ctype,
                             expect=(202,), what="apply on the careers API")[1]
        self.say(f"answer: {answer['status']} ({answer['message']})")

    # 6. HR screens and invites
    def screen_and_invite(self, job: dict) -> dict:
        a = self.args
        self.step("HR screens and invites to the AI interview")
        rows = self.poll("the application in the screening queue",
                         lambda: self.hr.get("/api/v1/applications/", query={"job": job["id"]},
                                             what="read the screening queue")["results"], bool)
        app = rows[0]
        self.ids["application"], self.ids["candidate"] = app["id"], app["candidate"]
        self.say(f"application {app['id']} of candidate {app['candidate']}: {app['state']}, match score "
                 f"{app['match_score']}")
        app = self.hr.post(f"/api/v1/applications/{app['id']}/transitions/screen/",
                           {"reason": "screened by the example client"}, expect=(200,), what="screen")
        self.say(f"moved to {app['state']}; allowed next: {', '.join(app['allowed_transitions'])}")
        self.assessment_id = f"example-{uuid.uuid4().hex[:12]}"
        deadline = (self.hr.server_date or datetime.now(UTC)) + timedelta(days=3)
        invitation = self.hr.post("/api/v1/ai-interviews/invitations/", {
            "application": app["id"], "vendor": a.vendor, "deadline": deadline.isoformat(),
            "assessment_id": self.assessment_id}, expect=(201,), what="invite to the AI interview")
        self.ids["ai_invitation"] = invitation["id"]
        self.say(f"invitation {invitation['id']} ({invitation['status']}), the candidate's link "
                 f"{invitation['candidate_url'] or '(the vendor sends it)'}")
        app = self.hr.get(f"/api/v1/applications/{app['id']}/", what="read the application")
        self.say(f"application now {app['state']}")
        return app

    # 7. the vendor
    def vendor_pushes_result(self, app: dict):
        a = self.args
        self.step(f"The vendor pushes a signed result (POST /api/v1/integrations/ai-interviews/{a.vendor}/results/)")
        done = datetime.now(UTC).replace(microsecond=0)
        result = {
            "event": "result", "assessment_id": self.assessment_id, "result_id": f"res-{self.assessment_id}",
            "started_at": (done - timedelta(minutes=25)).isoformat(), "completed_at": done.isoformat(),
            "overall_score": 92, "dimensions": VENDOR_SCORES, "recommendation": "hire",
            "preferences": {"expected_salary": {"amount": "12500.00", "currency": "CNY", "period": "month"},
                            "earliest_start_date": (date.today() + timedelta(days=30)).isoformat()},
            "transcript": "Q: Why nursing? A: ...",
        }
        body = json.dumps(result, separators=(",", ":")).encode()
        delivery_id = f"dlv-{uuid.uuid4().hex[:12]}"
        path = f"/api/v1/integrations/ai-interviews/{a.vendor}/results/"
        vendor = Api(a.base_url, name=f"vendor {a.vendor}", timeout=a.http_timeout)

        def push():
            headers = {"X-Hrsys-Signature": hrsys_signature(a.vendor_secret, int(time.time()), body),
                       "X-Hrsys-Delivery": delivery_id}
            return vendor.call("POST", path, raw=body, content_type="application/json", headers=headers,
                               expect=(200, 202), what="push the AI result")

        status, answer = push()
        if status != 202:
            raise StoryError(f"the first delivery should be new (202), got {status}: {answer}")
        self.ids["ai_delivery"] = answer["delivery"]["id"]
        self.say(f"202 accepted: delivery {answer['delivery']['id']} ({answer['delivery']['status']})")
        status, again = push()
        self.say(f"the same delivery again: {status}, duplicate {again['duplicate']} (stored once, R-AI-1)")
        if not again["duplicate"]:
            raise StoryError("a repeated delivery was not recognised as a duplicate")

    # 8. the move
    def after_ai_result(self, app: dict):
        self.step("The application moves by itself on the result (R-PIPE-3)")
        app = self.poll("the AI result's move", lambda: self.hr.get(
            f"/api/v1/applications/{app['id']}/", what="read the application"),
            lambda x: x["state"] not in ("ai_invited",))
        app = self.poll("the AI result's move", lambda: self.hr.get(
            f"/api/v1/applications/{app['id']}/", what="read the application"),
            lambda x: x["state"] not in ("ai_invited", "ai_completed"))
        result = self.hr.get(f"/api/v1/ai-interviews/applications/{app['id']}/result/", what="read the AI result")
        self.ids["ai_result"] = result["id"]
        self.say(f"result {result['id']}: overall {result['overall_score']}, decision {result.get('decision')}; "
                 f"application {app['state']}")
        if app["state"] == "ai_review":
            self.hr.post(f"/api/v1/ai-interviews/results/{result['id']}/review/",
                         {"advance": True, "reason": "example client"}, what="advance from the HR review queue")
            app = self.hr.get(f"/api/v1/applications/{app['id']}/", what="read the application")
            self.say(f"HR advanced it from the review queue: {app['state']}")
        if app["state"] != "interviewing":
            raise StoryError(f"expected the application in interviewing after a passing result, it is {app['state']}")

    # 9. the rounds
    def interviews_of(self, app_id: int) -> list[dict]:
        return self.hr.all_pages("/api/v1/interviews/", {"application": app_id}, what="list the interviews")

    def interview_round(self, app: dict, round_: dict):
        a = self.args
        self.step(f"Interview round {round_['order']} ({round_['kind']})")
        live = ("scheduled", "confirmed")
        booked = [i for i in self.interviews_of(app["id"]) if i["kind"] == "human" and i["state"] in live
                  and (i["round"] == round_.get("id") or ("id" not in round_ and round_["order"] == 1))]
        if booked:
            interview = booked[0]
            round_.setdefault("id", interview["round"])
            self.say(f"the system booked it itself: interview {interview['id']} at {interview['starts_at']}")
            if "id" in round_:
                slots = self.hr.post("/api/v1/interviews/propose/", {
                    "application": app["id"], "round": round_["id"], "limit": 3}, expect=(200,),
                    what="propose slots")["slots"]
                self.say(f"HR's other free slots for it: {', '.join(s['starts_at'] for s in slots) or 'none'}")
        elif "id" not in round_:
            self.skip(f"round {round_['order']} cannot be booked through the API: the job API gives no round ids "
                      "on this server")
            return
        else:
            slots = self.hr.post("/api/v1/interviews/propose/", {
                "application": app["id"], "round": round_["id"], "limit": 3}, expect=(200,),
                what="propose slots")["slots"]
            if not slots:
                raise StoryError(f"no free slot for round {round_['order']} within 10 days")
            self.say(f"HR proposes: {', '.join(s['starts_at'] for s in slots)}")
            interview = self.hr.post("/api/v1/interviews/schedule/", {
                "application": app["id"], "round": round_["id"], "starts_at": slots[0]["starts_at"],
                "interviewers": slots[0]["interviewers"], "meeting_url": "https://meet.example.org/hrsys-example"},
                expect=(201,), what="book the round")
            self.say(f"HR booked interview {interview['id']} at {interview['starts_at']}")
        self.ids.setdefault("interviews", []).append(interview["id"])
        if self.interviewer:
            earlier = self.interviewer.get(f"/api/v1/interviews/{interview['id']}/earlier-feedback/",
                                           what="read earlier rounds and the AI result")
            self.say(f"{self.interviewer.name} sees {len(earlier['ai_results'])} AI result(s) and "
                     f"{len(earlier['feedback'])} earlier scorecard(s) (R-PIPE-7)")
        starts = datetime.fromisoformat(interview["starts_at"].replace("Z", "+00:00"))
        now = self.hr.now()
        if now < starts:
            if (starts - now).total_seconds() > a.wait_for_interviews:
                self.skip(f"the interview starts at {interview['starts_at']}: attendance and feedback can only be "
                          "recorded once it has started (give --wait-for-interviews SECONDS to wait for it)")
                return
            print(f"    WAITING until {interview['starts_at']} (the server's clock: {now.isoformat()})", flush=True)
            self.poll("the interview's start", self.hr.now, lambda t: t >= starts,
                      timeout=a.wait_for_interviews + a.timeout)
        self.hr.post(f"/api/v1/interviews/{interview['id']}/attended/", None, expect=(200,),
                     what="record that the candidate came")
        self.say("HR recorded the candidate's attendance")
        if not self.interviewer:
            self.skip("feedback is given by the round's interviewer: give --interviewer USER:PASSWORD")
            return
        feedback = self.interviewer.post(f"/api/v1/interviews/{interview['id']}/feedback/", {
            "scores": {d["key"]: 5 if d["key"] != "logic" else 4 for d in DIMENSIONS}, "recommendation": "strong_yes",
            "notes": "Calm and precise; recommended.", "submit": True}, expect=(201,), what="submit feedback")
        self.ids.setdefault("feedback", []).append(feedback["id"])
        self.say(f"{self.interviewer.name} submitted feedback {feedback['id']}: {feedback['recommendation']}")

    # 10. the offer
    def offer(self, app: dict) -> dict | None:
        self.step("Offer: drafted, submitted, approved, sent (/api/v1/offers/)")
        offer = self.hr.post("/api/v1/offers/create/", {"application": app["id"], "job_level": "P5"},
                             expect=(201,), what="draft the offer")
        self.ids["offer"] = offer["id"]
        self.say(f"offer {offer['id']} drafted: {offer['monthly_salary']} {offer['currency']} a month "
                 f"({offer['band_position']} the band), start {offer['start_date']}")
        offer = self.hr.post(f"/api/v1/offers/{offer['id']}/submit/", {}, expect=(200,), what="submit the offer")
        self.say(f"submitted: {offer['state']}; approvers {[(x['role'], x['approver']) for x in offer['approvals']]}")
        clients = {me["id"]: client for client, me in self.approvers}
        if self.director:
            clients.setdefault(self.director_me["id"], self.director)
        clients.setdefault(self.hr_me["id"], self.hr)
        for approval in sorted(offer["approvals"], key=lambda x: x["step"]):
            client = clients.get(approval["approver"])
            if client is None:
                self.skip(f"approval step {approval['step']} ({approval['role']}) is addressed to user "
                          f"{approval['approver']}: give --approver USER:PASSWORD for them")
                return offer
            offer = client.post(f"/api/v1/offer-approvals/{approval['id']}/decide/",
                                {"decision": "approve", "comment": "OK (example client)"}, expect=(200,),
                                what=f"approve step {approval['step']}")
            self.say(f"{client.name} approved step {approval['step']} ({approval['role']}): offer {offer['state']}")
        offer = self.hr.post(f"/api/v1/offers/{offer['id']}/send/", {}, expect=(200,), what="send the offer")
        self.say(f"sent: {offer['state']} at {offer['sent_at']}, letter sha256 {(offer['document_sha256'] or '')[:12]}…")
        return offer

    # 11. after the offer
    def after_offer(self, app: dict, offer: dict | None):
        self.step("Acceptance, onboarding, employee file, attendance account")
        self.skip("the candidate accepts and signs the offer in the candidate portal (/portal/, signed in with a "
                  "one-time code sent by SMS or e-mail); there is no API for it, so the story stops here for them")
        cases = [c for c in self.hr.all_pages("/api/v1/onboarding/cases/", what="list onboarding cases")
                 if c["application"] == app["id"]]
        self.say(f"onboarding cases for this application: {len(cases)} (one is opened when the offer is accepted)")
        employees = self.hr.get("/api/v1/employees/", query={"page_size": 1}, what="list employees")
        self.say(f"employees HR sees: {employees['count']} (the file is created on the start date, after acceptance)")
        accounts = self.hr.get("/api/v1/attendance/accounts/", query={"page_size": 1},
                               what="list attendance accounts")
        self.say(f"attendance accounts HR sees: {accounts['count']} (this hire's is prepared on acceptance)")
        app = self.hr.get(f"/api/v1/applications/{app['id']}/", what="read the application")
        self.say(f"application {app['id']}: {app['state']}; history: "
                 + " -> ".join(t["to_state"] for t in app["transitions"]))

    # 12. the deliveries
    def deliveries(self):
        self.step("The event subscription's delivery log (GET /api/v1/event-deliveries/?subscription=)")
        if not self.subscription:
            self.skip("no subscription (see above)")
            return
        client = self.director or self.hr
        path, query = "/api/v1/event-deliveries/", {"subscription": self.subscription["id"], "page_size": 200}
        status, rows = client.call("GET", path, query=query, expect=(200, 404), what="list the deliveries")
        if status == 404:
            self.skip("this server has no delivery log API; see the admin's Outgoing events -> event deliveries")
            return
        if self.listener:  # give the worker a moment to deliver what was published last
            deadline = time.monotonic() + self.args.events_wait
            while not all(r["status"] in ("delivered", "failed") for r in rows["results"]) \
                    and time.monotonic() < deadline:
                time.sleep(self.args.poll)
                rows = client.get(path, query=query, what="list the deliveries")
        by_type: dict[str, dict[str, int]] = {}
        for row in rows["results"]:
            by_type.setdefault(row["event_type"], {}).setdefault(row["status"], 0)
            by_type[row["event_type"]][row["status"]] += 1
        self.ids["event_deliveries"] = rows["count"]
        for kind, counts in sorted(by_type.items()):
            self.say(f"{kind}: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
        if self.listener:
            valid = sum(1 for r in self.listener.received if r["valid"])
            self.ids["events_received"] = valid
            self.say(f"received here: {len(self.listener.received)}, every signature valid: "
                     f"{valid == len(self.listener.received)}")
            if valid != len(self.listener.received):
                raise StoryError("an event arrived with a signature that does not verify")
            if not valid:
                raise StoryError("no event arrived here: the server must allow http to this address "
                                 "(EVENTS_HTTP_HOSTS, EVENTS_ALLOW_PRIVATE_HOSTS) and its worker must run")
        pending = sum(1 for r in rows["results"] if r["status"] in ("pending", "sending"))
        if pending:
            self.say(f"{pending} still on their way: the server retries them (see next_attempt_at)")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base-url", default="http://127.0.0.1:8000")
    p.add_argument("--username", required=True, help="an HR staff login")
    p.add_argument("--password", required=True)
    p.add_argument("--vendor", default="demo-ai", help="the AI vendor's slug (generic hrsys-v1 format)")
    p.add_argument("--vendor-secret", required=True, help="the vendor's shared signing secret")
    p.add_argument("--interviewer", metavar="USER:PASSWORD", help="the rounds' interviewer (gives the feedback)")
    p.add_argument("--approver", metavar="USER:PASSWORD", action="append", default=[],
                   help="an offer approver (the hiring manager; repeatable); the new department is created under "
                        "the first approver's department unless --parent-department says otherwise")
    p.add_argument("--director", metavar="USER:PASSWORD", help="the HR director: event subscriptions, approvals")
    p.add_argument("--parent-department", help="id or code of the department to create the new one under")
    p.add_argument("--events-url", default="https://example.org/hrsys-events",
                   help="where the subscription sends events (without --events-listen)")
    p.add_argument("--events-listen", metavar="HOST:PORT",
                   help="receive the events here and check their signatures (the server must allow http and the "
                        "address: EVENTS_HTTP_HOSTS, EVENTS_ALLOW_PRIVATE_HOSTS)")
    p.add_argument("--events-wait", type=float, default=15, metavar="SECONDS",
                   help="with --events-listen: how long to wait for the last events to arrive")
    p.add_argument("--wait-for-interviews", type=float, default=0, metavar="SECONDS",
                   help="wait up to this long for a booked round to start, to record attendance and feedback")
    p.add_argument("--timeout", type=float, default=60, help="how long to wait for the server's workers")
    p.add_argument("--poll", type=float, default=0.5, help="seconds between polls")
    p.add_argument("--http-timeout", type=float, default=30)
    p.add_argument("--totp-key", metavar="BASE32",
                   help="the authenticator key of the users who sign in with two factors (the demo's is in README); "
                        "their token requests then carry the current 6-digit code")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    print(f"hrsys example client against {args.base_url}", flush=True)
    try:
        Story(args).run()
    except StoryError as exc:
        print(f"\nFAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    print("\nDone.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
