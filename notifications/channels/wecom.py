"""Staff messages as WeCom (企业微信) app messages, through wechatpy's enterprise client (R-CN-2, R-INT-3).

A message with a link goes as a ``textcard`` (title, text, a button to the page the message is about), one
without as ``text``. ``WECOM_API_BASE`` (default the real ``https://qyapi.weixin.qq.com/cgi-bin/``) sends every
request of the library, the access token's too, to another host, e.g. the fake WeCom server of the tests.

The access token lives in the project's cache (shared by the workers), is fetched again shortly before it
expires, and after an "invalid / expired token" answer (40014, 42001, 40001) it is dropped and the request made
once more with a new one. Errors: rate limits and "system busy" (45009, 45033, 45011, -1, 6000), HTTP 5xx and
timeouts are :class:`TransientSendError`; an unknown or invisible user (``invaliduser``, 81013, 60111, 46004),
an app without the right (48002, 60020: the server's IP is not trusted) and the rest are permanent.

Exactly once: the outbox commits the attempt before the call (as for every backend). WeCom cannot be asked
whether it took a message of ours, so ``find_sent`` answers None; instead every message asks WeCom's own
duplicate check (``enable_duplicate_check``, one hour) to drop an identical message to the same user. A resend
of one notification is identical (same text, same tracked link); two notifications never are, as each has its
own tracked link -- so a message sent by a worker that died before recording WeCom's ``msgid`` is not shown twice.
"""


import requests
from django.conf import settings
from django.core.cache import cache
from wechatpy.enterprise import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage

from .base import Backend, PermanentSendError, ProcessClient, SendResult, TransientSendError
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
TRANSIENT_ERRORS = {-1, 6000, 45009, 45011, 45033}
NOT_FOUND_ERRORS = {46004, 60111}
#: how long WeCom drops an identical message to the same user (its maximum is 4 hours)
DUPLICATE_CHECK_SECONDS = 3600


def configured() -> bool:
    from ..staff_im import configured as staff_im_configured  # noqa: PLC0415 - one definition, no cycle

    return staff_im_configured("wecom")


class CacheStorage(SessionStorage):
    """wechatpy's token storage on the project's cache (Redis in production): one token for all workers."""

    def get(self, key, default=None):
        value = cache.get(key)
        return default if value is None else value

    def set(self, key, value, ttl=None):
        cache.set(key, value, token_ttl(ttl))

    def delete(self, key):
        cache.delete(key)


class WeComClient(WeChatClient):
    """wechatpy's enterprise client aimed at ``base`` (its ``API_BASE_URL``, and the token URL the library
    otherwise hard-codes), with a timeout on every request and our own single retry after a stale token."""

    def __init__(self, *, corp_id: str, secret: str, base: str, timeout: float):
        self.API_BASE_URL = base.rstrip("/") + "/"
        super().__init__(corp_id, secret, session=CacheStorage(), timeout=timeout, auto_retry=False)

    @property
    def access_token_key(self):
        return cache_key("wecom", self.corp_id, self.secret)

    def fetch_access_token(self):
        response = self._http.get(self.API_BASE_URL + "gettoken", timeout=self.timeout,
                                  params={"corpid": self.corp_id, "corpsecret": self.secret})
        result = self._handle_result(response) if response.status_code < 400 else None
        if not isinstance(result, dict) or "access_token" not in result:
            raise WeChatClientException(None, f"gettoken HTTP {response.status_code}", client=self,
                                        request=response.request, response=response)
        self.session.set(self.access_token_key, result["access_token"], result.get("expires_in", 7200))
        return result

    def call(self, method: str, endpoint: str, **kwargs) -> dict:
        """One API call; an invalid or expired token is dropped and the call made once more with a new one."""
        try:
            return self._request(method, endpoint, **kwargs)
        except WeChatClientException as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
            self.session.delete(self.access_token_key)
            kwargs.pop("params", None)
            return self._request(method, endpoint, **kwargs)


_client = ProcessClient()


def wecom_client() -> WeComClient:
    key = (settings.WECOM_CORP_ID, settings.WECOM_SECRET, settings.WECOM_API_BASE, settings.STAFF_IM_TIMEOUT)
    return _client.get(key, lambda: WeComClient(corp_id=key[0], secret=key[1], base=key[2], timeout=float(key[3])))


def translate_error(exc: Exception):
    """A wechatpy / requests error -> Transient or Permanent send error (None: not ours)."""
    if isinstance(exc, WeChatClientException):
        if exc.errcode is None:  # an HTTP error, no WeCom answer
            status = getattr(exc.response, "status_code", 0) or 0
            error = TransientSendError if status == 429 or status >= 500 or status == 0 else PermanentSendError
            return error(f"WeCom HTTP {status}", code=f"http_{status}", response={"status": status})
        code = int(exc.errcode)
        response = {"errcode": code, "errmsg": str(exc.errmsg)[:200]}
        error = TransientSendError if code in TRANSIENT_ERRORS else PermanentSendError
        return error(f"WeCom {code}: {exc.errmsg}", code=f"wecom_{code}", response=response)
    if isinstance(exc, requests.RequestException):
        return TransientSendError(f"{exc.__class__.__name__}", code="network")
    return None


def _calling(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        translated = translate_error(exc)
        if translated is None:
            raise
        raise translated from exc


def lookup_by_mobile(phone: str) -> str:
    """The WeCom user id of the member with this mobile number (``user/getuserid``); empty when there is none
    (or they are outside the app's visible range). Other errors raise a send error."""
    try:
        result = _calling(wecom_client().call, "post", "user/getuserid", data={"mobile": mobile_for_lookup(phone)})
    except PermanentSendError as exc:
        if exc.response.get("errcode") in NOT_FOUND_ERRORS:
            return ""
        raise
    return str(result.get("userid") or "")


class WeComBackend(Backend):
    name = "wecom"
    sends_in_threads = False  # reads the user's binding from the database

    def send(self, notification) -> SendResult:
        if not configured():
            raise PermanentSendError("WeCom is not configured", code="not_configured")
        userid = provider_userid(notification, "wecom")
        title, text, link = card_parts(notification)
        if link:
            message = {"msgtype": "textcard", "textcard": {
                "title": title, "description": text, "url": link, "btntxt": button_text(notification)}}
        else:
            message = {"msgtype": "text", "text": {"content": plain_text(notification)}}
        message.update(enable_duplicate_check=1, duplicate_check_interval=DUPLICATE_CHECK_SECONDS)
        data = {"touser": userid, "agentid": int(settings.WECOM_AGENT_ID), **message}
        result = _calling(wecom_client().call, "post", "message/send", data=data)
        if result.get("invaliduser") or result.get("invalidparty") or result.get("invalidtag"):
            raise PermanentSendError("WeCom user unknown or outside the app's visible range", code="wecom_invaliduser",
                                     response={"errcode": result.get("errcode"), "invaliduser": True})
        msgid = str(result.get("msgid") or "")
        return SendResult(f"wecom:{msgid}", {"msgid": msgid, "msgtype": message["msgtype"]})

    def find_sent(self, notification, *, since):
        """WeCom has no look-up of a sent message; its duplicate check drops a resend (see the module's text)."""
        return None
