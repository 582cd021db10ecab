"""The one place a Twilio REST client is built.

``TWILIO_API_BASE`` (empty = real Twilio) sends every request of the real
library to another host, e.g. the fake Twilio server of the tests.
"""

from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from django.urls import reverse
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from .base import PermanentSendError, TransientSendError

#: Twilio error codes worth another try (rate limits, queue overflow) besides HTTP 429 / 5xx.
TRANSIENT_CODES = {20429, 20500, 20503, 30001, 30008}


class RebasedHttpClient(TwilioHttpClient):
    def __init__(self, base_url: str, **kwargs):
        super().__init__(**kwargs)
        self.base = urlsplit(base_url)

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        url = urlunsplit((self.base.scheme, self.base.netloc, parts.path, parts.query, parts.fragment))
        return super().request(method, url, *args, **kwargs)


def twilio_client() -> Client:
    timeout = float(getattr(settings, "NOTIFICATIONS_TWILIO_TIMEOUT", 15))
    base = getattr(settings, "TWILIO_API_BASE", "")
    http = RebasedHttpClient(base, timeout=timeout) if base else TwilioHttpClient(timeout=timeout)
    return Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http)


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
            return TransientSendError(str(exc.msg), code=str(code), response=response)
        return PermanentSendError(str(exc.msg), code=str(code), response=response)
    if isinstance(exc, requests.RequestException):
        return TransientSendError(f"{exc.__class__.__name__}: {exc}", code="network")
    return None

