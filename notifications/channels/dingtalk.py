"""Staff messages as DingTalk work notices (工作通知) of an internal app (R-CN-2, R-INT-3).

A message with a link goes as an ``action_card`` (title, text, one button to the page the message is about), one
without as ``text``, through ``topapi/message/corpconversation/asyncsend_v2``; a staff user is found by mobile
number through ``topapi/v2/user/getbymobile``. ``DINGTALK_API_BASE`` (default the real
``https://oapi.dingtalk.com/``) sends every request to another host, e.g. the fake DingTalk server of the tests.

Plain HTTP with ``requests``, not the official ``alibabacloud-dingtalk`` SDK: that SDK covers only the new
``api.dingtalk.com/v1.0`` APIs, and neither work notices nor the user look-up by mobile are among them (they
exist only on ``oapi.dingtalk.com``); it would add dozens of packages for an access token alone.

The access token lives in the project's cache, is fetched again shortly before it expires, and after an
"invalid / expired token" answer (40014, 42001, 40001) it is dropped and the request made once more. Errors:
throttling and "system busy" (90018, 90002, 90005, 90006, 90019, 88, -1), HTTP 5xx and timeouts are
:class:`TransientSendError`; an unknown user (60121, 33012), an app without the right (60011, 60020: the
server's IP is not trusted) and the rest are permanent.

Exactly once: the outbox commits the attempt before the call. DingTalk answers a ``task_id`` (stored as the
provider's id) but cannot be asked by our own id, so ``find_sent`` answers None; DingTalk itself delivers an
identical work notice to the same user only once a day, and a resend of one notification is identical (same
text, same tracked link) while two notifications never are (each has its own tracked link).
"""

import threading

import requests
from django.conf import settings
from django.core.cache import cache

from .base import Backend, PermanentSendError, SendResult, TransientSendError
from .im_common import (
    button_text,
    cache_key,
    card_parts,
    mobile_for_lookup,
    plain_text,
    provider_userid,
    token_ttl,
)

TOKEN_ERRORS = {40001, 40014, 42001}
TRANSIENT_ERRORS = {-1, 88, 90002, 90005, 90006, 90018, 90019}
NOT_FOUND_ERRORS = {60121, 33012}


def configured() -> bool:
    from ..staff_im import configured as staff_im_configured  # noqa: PLC0415 - one definition, no cycle

    return staff_im_configured("dingtalk")


_sessions: dict[int, requests.Session] = {}
_lock = threading.Lock()


def _session() -> requests.Session:
    """One keep-alive session per thread."""
    ident = threading.get_ident()
    with _lock:
        session = _sessions.get(ident)
        if session is None:
            session = _sessions[ident] = requests.Session()
        return session


def _base() -> str:
    return settings.DINGTALK_API_BASE.rstrip("/") + "/"


def _token_key() -> str:
    return cache_key("dingtalk", settings.DINGTALK_APP_KEY, settings.DINGTALK_APP_SECRET)


def _answer(response: requests.Response) -> dict:
    """The JSON answer, or the send error its HTTP status / ``errcode`` means."""
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientSendError(f"DingTalk HTTP {response.status_code}", code=f"http_{response.status_code}",
                                 response={"status": response.status_code})
    try:
        result = response.json()
    except ValueError:
        raise PermanentSendError(f"DingTalk HTTP {response.status_code}: not JSON",
                                 code=f"http_{response.status_code}", response={"status": response.status_code})
    code = int(result.get("errcode") or 0)
    if code:
        error = TransientSendError if code in TRANSIENT_ERRORS else PermanentSendError
        raise error(f"DingTalk {code}: {result.get('errmsg', '')}"[:300], code=f"dingtalk_{code}",
                    response={"errcode": code, "errmsg": str(result.get("errmsg", ""))[:200]})
    if response.status_code >= 400:
        raise PermanentSendError(f"DingTalk HTTP {response.status_code}", code=f"http_{response.status_code}",
                                 response={"status": response.status_code})
    return result


def _request(method: str, path: str, **kwargs) -> dict:
    try:
        return _answer(_session().request(method, _base() + path, timeout=settings.STAFF_IM_TIMEOUT, **kwargs))
    except requests.RequestException as exc:
        raise TransientSendError(exc.__class__.__name__, code="network") from exc


def access_token() -> str:
    token = cache.get(_token_key())
    if token:
        return token
    result = _request("get", "gettoken", params={"appkey": settings.DINGTALK_APP_KEY,
                                                 "appsecret": settings.DINGTALK_APP_SECRET})
    token = str(result.get("access_token") or "")
    if not token:
        raise PermanentSendError("DingTalk gave no access token", code="dingtalk_no_token")
    cache.set(_token_key(), token, token_ttl(result.get("expires_in")))
    return token


def call(path: str, payload: dict) -> dict:
    """POST one API call with the cached token; an invalid or expired token is dropped and the call made once
    more with a new one."""
    try:
        return _request("post", path, params={"access_token": access_token()}, json=payload)
    except PermanentSendError as exc:
        if exc.response.get("errcode") not in TOKEN_ERRORS:
            raise
    cache.delete(_token_key())
    return _request("post", path, params={"access_token": access_token()}, json=payload)


def lookup_by_mobile(phone: str) -> str:
    """The DingTalk user id of the member with this mobile number; empty when there is none."""
    try:
        result = call("topapi/v2/user/getbymobile", {"mobile": mobile_for_lookup(phone)})
    except PermanentSendError as exc:
        if exc.response.get("errcode") in NOT_FOUND_ERRORS:
            return ""
        raise
    return str((result.get("result") or {}).get("userid") or "")


def _markdown(text: str) -> str:
    """Our plain text inside a Markdown card: the characters Markdown would read as markup are escaped."""
    for char in "\\`*_[]#>|":
        text = text.replace(char, "\\" + char)
    return text


class DingTalkBackend(Backend):
    name = "dingtalk"
    sends_in_threads = False  # reads the user's binding from the database

    def send(self, notification) -> SendResult:
        if not configured():
            raise PermanentSendError("DingTalk is not configured", code="not_configured")
        userid = provider_userid(notification, "dingtalk")
        title, text, link = card_parts(notification)
        if link:
            msg = {"msgtype": "action_card", "action_card": {
                "title": title, "markdown": f"#### {_markdown(title)}\n\n{_markdown(text)}",
                "single_title": button_text(notification), "single_url": link}}
        else:
            msg = {"msgtype": "text", "text": {"content": plain_text(notification)}}
        result = call("topapi/message/corpconversation/asyncsend_v2",
                      {"agent_id": int(settings.DINGTALK_AGENT_ID), "userid_list": userid, "msg": msg})
        task_id = str(result.get("task_id") or "")
        return SendResult(f"dingtalk:{task_id}", {"task_id": task_id, "msgtype": msg["msgtype"]})

    def find_sent(self, notification, *, since):
        """DingTalk has no look-up by our id; it drops an identical notice itself (see the module's text)."""
        return None
