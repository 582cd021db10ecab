"""Small fake WeCom (企业微信) and DingTalk servers for the staff-message tests (R-CN-2, R-INT-3).

Each speaks enough of its provider's API for our clients: the access token (``gettoken``), the user look-up by
mobile number, and the app message. They check the token on every call, can expire every token issued so far
(``expire_tokens``: the next call is answered 42001) and take scripted errors (``fail_next(errcode, times)``,
``fail_http(status, times)``). Like the real providers they drop an identical message to the same user (WeCom's
duplicate check, DingTalk's one identical notice a day): ``received`` counts what reached them, ``messages``
what a user was shown.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from tests.fake_http import FakeHTTPServer


class _FakeProvider(FakeHTTPServer):
    token_path = "/gettoken"
    send_path = ""
    lookup_path = ""
    rate_limit = 0
    not_found = 0
    invalid_user = 0

    def __init__(self, *, key: str, secret: str):
        self.key, self.secret = key, secret
        self.users: dict[str, str] = {}  # mobile -> provider user id
        self.messages: list[dict] = []
        self.received: list[dict] = []
        self.lookups: list[str] = []
        self.tokens: set[str] = set()
        self.expired: set[str] = set()
        self.tokens_issued = 0
        self.failures: list[tuple[str, int]] = []
        self.lock = threading.Lock()
        self._serve(self._handler())

    def fail_next(self, errcode: int, times: int = 1):
        with self.lock:
            self.failures.extend([("errcode", errcode)] * times)

    def fail_http(self, status: int, times: int = 1):
        with self.lock:
            self.failures.extend([("http", status)] * times)

    def expire_tokens(self):
        with self.lock:
            self.expired |= self.tokens

    # -- what differs between the providers -------------------------------------------------------------------
    def credentials_ok(self, query: dict) -> bool:
        raise NotImplementedError

    def lookup_answer(self, userid: str) -> dict:
        raise NotImplementedError

    def send(self, payload: dict) -> dict:
        raise NotImplementedError

    # -----------------------------------------------------------------------------------------------------------
    def _token_error(self, query: dict) -> dict | None:
        token = (query.get("access_token") or [""])[0]
        if token in self.expired:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if token not in self.tokens:
            return {"errcode": 40014, "errmsg": "invalid access_token"}
        return None

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _reply(self, status: int, payload: dict):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                if parts.path != fake.token_path:
                    return self._reply(404, {"errcode": 404, "errmsg": "not found"})
                if not fake.credentials_ok(query):
                    return self._reply(200, {"errcode": 40013, "errmsg": "invalid credentials"})
                with fake.lock:
                    fake.tokens_issued += 1
                    token = f"token-{fake.tokens_issued}"
                    fake.tokens.add(token)
                return self._reply(200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})

            def do_POST(self):
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                with fake.lock:
                    error = fake._token_error(query)
                    failure = fake.failures.pop(0) if fake.failures and error is None else None
                if error is not None:
                    return self._reply(200, error)
                if failure is not None:
                    kind, code = failure
                    if kind == "http":
                        return self._reply(code, {"errmsg": "fake HTTP error"})
                    return self._reply(200, {"errcode": code, "errmsg": f"fake error {code}"})
                if parts.path == fake.lookup_path:
                    with fake.lock:
                        fake.lookups.append(payload.get("mobile", ""))
                        userid = fake.users.get(payload.get("mobile", ""))
                    if userid is None:
                        return self._reply(200, {"errcode": fake.not_found, "errmsg": "no such user"})
                    return self._reply(200, fake.lookup_answer(userid))
                if parts.path == fake.send_path:
                    with fake.lock:
                        fake.received.append(payload)
                        return self._reply(200, fake.send(payload))
                return self._reply(404, {"errcode": 404, "errmsg": "not found"})

        return Handler


class FakeWeCom(_FakeProvider):
    """``/cgi-bin/gettoken``, ``/cgi-bin/user/getuserid``, ``/cgi-bin/message/send``."""

    token_path = "/cgi-bin/gettoken"
    lookup_path = "/cgi-bin/user/getuserid"
    send_path = "/cgi-bin/message/send"
    not_found = 46004

    @property
    def base(self) -> str:
        return self.url + "/cgi-bin/"

    def credentials_ok(self, query):
        return query.get("corpid") == [self.key] and query.get("corpsecret") == [self.secret]

    def lookup_answer(self, userid):
        return {"errcode": 0, "errmsg": "ok", "userid": userid}

    def send(self, payload):
        if payload.get("touser") not in self.users.values():
            return {"errcode": 81013, "errmsg": "user & party & tag all invalid"}
        content = {k: payload.get(k) for k in ("touser", "agentid", "msgtype", payload.get("msgtype"))}
        if payload.get("enable_duplicate_check") and any(m["content"] == content for m in self.messages):
            return {"errcode": 0, "errmsg": "ok", "msgid": "dropped-duplicate"}
        msgid = f"msg{len(self.messages) + 1}"
        self.messages.append({"msgid": msgid, "content": content, **payload})
        return {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": msgid}


class FakeDingTalk(_FakeProvider):
    """``/gettoken``, ``/topapi/v2/user/getbymobile``, ``/topapi/message/corpconversation/asyncsend_v2``."""

    token_path = "/gettoken"
    lookup_path = "/topapi/v2/user/getbymobile"
    send_path = "/topapi/message/corpconversation/asyncsend_v2"
    not_found = 60121

    @property
    def base(self) -> str:
        return self.url + "/"

    def credentials_ok(self, query):
        return query.get("appkey") == [self.key] and query.get("appsecret") == [self.secret]

    def lookup_answer(self, userid):
        return {"errcode": 0, "errmsg": "ok", "result": {"userid": userid}}

    def send(self, payload):
        if payload.get("userid_list") not in self.users.values():
            return {"errcode": 33012, "errmsg": "invalid userid"}
        content = {k: payload.get(k) for k in ("userid_list", "agent_id", "msg")}
        if any(m["content"] == content for m in self.messages):  # one identical notice per user and day
            return {"errcode": 0, "errmsg": "ok", "task_id": 0}
        task_id = 1000 + len(self.messages)
        self.messages.append({"task_id": task_id, "content": content, **payload})
        return {"errcode": 0, "errmsg": "ok", "task_id": task_id, "request_id": f"req{task_id}"}
