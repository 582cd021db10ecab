"""The one place a Twilio REST client is built: one per worker process, reused by every send.

``TWILIO_API_BASE`` (empty = real Twilio) sends every request of the real
library to another host, e.g. the fake Twilio server of the tests.
"""

import threading
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from django.urls import reverse
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from .base import PermanentSendError, ProcessClient, TransientSendError

#: Twilio error codes worth another try (rate limits, queue overflow) besides HTTP 429 / 5xx.
TRANSIENT_CODES = {20429, 20500, 20503, 30001, 30008}


class PooledHttpClient(TwilioHttpClient):
    """The library's HTTP client with its keep-alive session shared by the send threads of a worker.

    The library's own ``request`` hands the response back through an attribute of the client, which a second
    thread can overwrite before the first reads it; this one returns its own response. It also reads the
    environment's proxy settings once per host (the library scans ``os.environ`` twice per request).
    ``base_url`` (optional) sends every request to another host.
    """

    def __init__(self, *, base_url: str = "", pool_size: int = 10, **kwargs):
        super().__init__(pool_connections=True, **kwargs)
        self.base = urlsplit(base_url) if base_url else None
        self._environment: dict[tuple[str, str], dict] = {}
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        if self.base is not None:
            parts = urlsplit(url)
            url = urlunsplit((self.base.scheme, self.base.netloc, parts.path, parts.query, parts.fragment))
        if timeout is None:
            timeout = self.timeout
        kwargs = {"method": method.upper(), "url": url, "params": params, "headers": headers, "auth": auth,
                  "hooks": self.request_hooks}
        if headers and headers.get("Content-Type") in ("application/json", "application/scim+json"):
            kwargs["json"] = data
        else:
            kwargs["data"] = data
        self.log_request(kwargs)
        prepared = self.session.prepare_request(requests.Request(**kwargs))
        parts = urlsplit(prepared.url)
        environment = self._environment.get((parts.scheme, parts.netloc))
        if environment is None:  # proxies and CA bundle from the environment: read once per host, not per message
            environment = self._environment[(parts.scheme, parts.netloc)] = \
                self.session.merge_environment_settings(prepared.url, self.proxy, None, None, None)
        response = self.session.send(prepared, allow_redirects=allow_redirects, timeout=timeout, **environment)
        self.log_response(response.status_code, response)
        # the library's exception keeps no headers: a 429's Retry-After is kept for this thread's translate_error
        _last_retry_after.value = _seconds(response.headers.get("Retry-After")) if response.status_code == 429 \
            else None
        return Response(int(response.status_code), response.text, response.headers)


_last_retry_after = threading.local()


def _seconds(value: str | None) -> float | None:
    """``Retry-After`` in seconds (the delay form; an HTTP date is read as no advice), at most an hour."""
    try:
        return min(max(float(value), 0.0), 3600.0) if value else None
    except ValueError:
        return None


_client = ProcessClient()


def twilio_client() -> Client:
    """This process's client (built on first use, again after a fork or a change of settings): one keep-alive
    connection pool instead of a new TCP connection per message."""
    timeout = float(getattr(settings, "NOTIFICATIONS_TWILIO_TIMEOUT", 15))
    base = getattr(settings, "TWILIO_API_BASE", "")
    threads = int(getattr(settings, "NOTIFICATIONS_SEND_THREADS", 8))

    def build() -> Client:
        http = PooledHttpClient(base_url=base, pool_size=max(10, threads), timeout=timeout)
        client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http)
        client.messages, client.calls  # noqa: B018 - built here once, not lazily by two send threads at once
        return client

    return _client.get((settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, base, timeout, threads), build)


def callback_url(route: str, notification) -> str:
    """Absolute URL Twilio calls back; the notification's token lets a callback find
    its row even before the worker stored the provider id."""
    return f"{settings.PUBLIC_BASE_URL}{reverse(route)}?n={notification.public_token}"


def translate_error(exc: Exception):
    """TwilioRestException / network error -> Transient or Permanent send error."""
    if isinstance(exc, TwilioRestException):
        code = exc.code or exc.status
        response = {"status": exc.status, "code": exc.code, "message": exc.msg}
        if exc.status == 429 or exc.status >= 500 or (exc.code in TRANSIENT_CODES):
            retry_after = getattr(_last_retry_after, "value", None) if exc.status == 429 else None
            if retry_after is not None:
                response["retry_after"] = retry_after
            return TransientSendError(str(exc.msg), code=str(code), response=response, retry_after=retry_after)
        return PermanentSendError(str(exc.msg), code=str(code), response=response)
    if isinstance(exc, requests.RequestException):
        return TransientSendError(f"{exc.__class__.__name__}: {exc}", code="network")
    return None
