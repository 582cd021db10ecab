"""Small fake Aliyun SMS and Tencent Cloud SMS servers for tests (R-CN-1).

The official SDKs talk plain HTTP to them (their endpoint settings point here). Each answers as the provider's
documented JSON does: Aliyun ``{"Code": "OK", "BizId": ...}`` (business errors with HTTP 200 and another Code,
gateway errors as 4xx/5xx with a Code), Tencent ``{"Response": {...}}`` (errors as ``Response.Error``).
``fail_next(status, code)`` scripts errors; ``report(...)`` makes the carrier's delivery report.
"""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from django.utils import timezone

from tests.fake_http import FakeHTTPServer


class _FakeServer(FakeHTTPServer):
    def __init__(self):
        self.requests: list[dict] = []
        self.failures: list[tuple[int, str]] = []
        self.lock = threading.Lock()
        self._serve(self._handler())

    def fail_next(self, status: int, code: str, times: int = 1):
        with self.lock:
            self.failures.extend([(status, code)] * times)

    def _take_failure(self):
        with self.lock:
            return self.failures.pop(0) if self.failures else None

    def answer(self, action: str, params: dict, headers) -> tuple[int, dict | str]:
        raise NotImplementedError

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                parts = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if raw and "json" in (self.headers.get("Content-Type") or ""):
                    params.update(json.loads(raw))
                elif raw:
                    params.update({k: v[0] for k, v in parse_qs(raw).items()})
                action = (self.headers.get("x-acs-action") or self.headers.get("X-TC-Action")
                          or params.get("Action") or "")
                with fake.lock:
                    fake.requests.append({"action": action, "params": params, "headers": dict(self.headers)})
                status, payload = fake.answer(action, params, self.headers)
                body = (payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html" if isinstance(payload, str) else "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def sent(self, action: str) -> list[dict]:
        return [r["params"] for r in self.requests if r["action"] == action]


class FakeAliyun(_FakeServer):
    """dysmsapi 2017-05-25: SendSms, QuerySendDetails."""

    def __init__(self):
        super().__init__()
        self.messages: list[dict] = []

    def report(self, biz_id: str, *, delivered: bool, err_code: str = "DELIVERED"):
        for message in self.messages:
            if message["BizId"] == biz_id:
                message["SendStatus"] = 3 if delivered else 2
                message["ErrCode"] = err_code

    def answer(self, action, params, headers):
        request_id = str(uuid.uuid4()).upper()
        if "Credential=LTAI" not in (headers.get("Authorization") or "") and not (
                params.get("Signature") and params.get("AccessKeyId", "").startswith("LTAI")):
            return 400, {"Code": "MissingSignature", "Message": "signature missing", "RequestId": request_id}
        failure = self._take_failure()
        if failure is not None:
            status, code = failure
            if status >= 500 and code == "html":
                return status, "<html>502 Bad Gateway</html>"
            return status, {"Code": code, "Message": f"fake error {code}", "RequestId": request_id}
        if action == "SendSms":
            now = timezone.localtime(timezone.now(), timezone.get_fixed_timezone(480))
            message = {"BizId": f"{uuid.uuid4().int % 10**18}^0", "PhoneNum": params["PhoneNumbers"],
                       "SignName": params.get("SignName"), "TemplateCode": params["TemplateCode"],
                       "TemplateParam": json.loads(params["TemplateParam"]) if params.get("TemplateParam") else {},
                       "OutId": params.get("OutId", ""), "SendStatus": 1, "ErrCode": "",
                       "SendDate": now.strftime("%Y-%m-%d %H:%M:%S"), "SendDay": now.strftime("%Y%m%d"),
                       "Content": "(template text)"}
            with self.lock:
                self.messages.append(message)
            return 200, {"Code": "OK", "Message": "OK", "BizId": message["BizId"], "RequestId": request_id}
        if action == "QuerySendDetails":
            found = [m for m in self.messages if m["PhoneNum"] == params["PhoneNumber"]
                     and m["SendDay"] == params["SendDate"]
                     and (not params.get("BizId") or m["BizId"] == params["BizId"])]
            dtos = [{"PhoneNum": m["PhoneNum"], "SendStatus": m["SendStatus"], "ErrCode": m["ErrCode"],
                     "TemplateCode": m["TemplateCode"], "Content": m["Content"], "SendDate": m["SendDate"],
                     "ReceiveDate": m["SendDate"], "OutId": m["OutId"]} for m in found]
            return 200, {"Code": "OK", "Message": "OK", "RequestId": request_id, "TotalCount": len(dtos),
                         "SmsSendDetailDTOs": {"SmsSendDetailDTO": dtos}}
        return 404, {"Code": "InvalidAction.NotFound", "Message": action, "RequestId": request_id}


class FakeTencent(_FakeServer):
    """sms 2021-01-11: SendSms, PullSmsSendStatus, PullSmsSendStatusByPhoneNumber."""

    def __init__(self):
        super().__init__()
        self.messages: list[dict] = []
        self.reports: list[dict] = []  # every report (by-number queries)
        self.unread: list[dict] = []  # PullSmsSendStatus hands each out once

    def report(self, serial_no: str, *, delivered: bool, description: str = "DELIVRD"):
        message = next(m for m in self.messages if m["SerialNo"] == serial_no)
        item = {"UserReceiveTime": timezone.now().strftime("%Y-%m-%d %H:%M:%S"), "CountryCode": "86",
                "SubscriberNumber": message["PhoneNumber"][3:], "PhoneNumber": message["PhoneNumber"],
                "SerialNo": serial_no, "ReportStatus": "SUCCESS" if delivered else "FAIL",
                "Description": description, "SessionContext": message["SessionContext"],
                "at": int(time.time())}
        with self.lock:
            self.reports.append(item)
            self.unread.append({k: v for k, v in item.items() if k != "at"})

    def _error(self, code):
        return 200, {"Response": {"Error": {"Code": code, "Message": f"fake error {code}"},
                                  "RequestId": str(uuid.uuid4())}}

    def answer(self, action, params, headers):
        if not (headers.get("Authorization") or "").startswith("TC3-HMAC-SHA256 Credential=AKID"):
            return self._error("AuthFailure.SignatureFailure")
        failure = self._take_failure()
        request_id = str(uuid.uuid4())
        if failure is not None:
            status, code = failure
            if status >= 500:
                return status, "<html>502 Bad Gateway</html>"
            if code.startswith("send:"):  # an error of the one number, inside a successful answer
                code = code.removeprefix("send:")
                return 200, {"Response": {"SendStatusSet": [{
                    "SerialNo": "", "PhoneNumber": params["PhoneNumberSet"][0], "Fee": 0, "SessionContext": "",
                    "Code": code, "Message": f"fake error {code}", "IsoCode": "CN"}], "RequestId": request_id}}
            return self._error(code)
        if action == "SendSms":
            message = {"SerialNo": f"2028:{uuid.uuid4().int % 10**20}", "PhoneNumber": params["PhoneNumberSet"][0],
                       "TemplateId": params["TemplateId"], "SignName": params.get("SignName"),
                       "TemplateParamSet": params.get("TemplateParamSet") or [],
                       "SessionContext": params.get("SessionContext", ""), "SmsSdkAppId": params["SmsSdkAppId"]}
            with self.lock:
                self.messages.append(message)
            return 200, {"Response": {"SendStatusSet": [{
                "SerialNo": message["SerialNo"], "PhoneNumber": message["PhoneNumber"], "Fee": 1,
                "SessionContext": message["SessionContext"], "Code": "Ok", "Message": "send success",
                "IsoCode": "CN"}], "RequestId": request_id}}
        if action == "PullSmsSendStatus":
            with self.lock:
                limit = int(params.get("Limit") or 100)
                items, self.unread = self.unread[:limit], self.unread[limit:]
            return 200, {"Response": {"PullSmsSendStatusSet": items, "RequestId": request_id}}
        if action == "PullSmsSendStatusByPhoneNumber":
            items = [{k: v for k, v in r.items() if k != "at"} for r in self.reports
                     if r["PhoneNumber"] == params["PhoneNumber"]
                     and int(params["BeginTime"]) - 5 <= r["at"] <= int(params.get("EndTime") or 2**40) + 5]
            return 200, {"Response": {"PullSmsSendStatusSet": items, "RequestId": request_id}}
        return self._error("InvalidAction")
