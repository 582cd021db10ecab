"""Staff login throttling (R-SEC-1) on django-axes: the admin login and the API token endpoint.

Two limits, both checked before any password is:

* **Per account and client address** (axes, ``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]``):
  ``LOGIN_FAILURE_LIMIT`` (5) failures for one account from one address -> that pair waits
  ``LOGIN_FAILURE_WINDOW_SECONDS`` (15 min). Guessing from one address stops there and nobody else is
  affected: not the account's owner at another address, not a colleague behind the same proxy.
* **Per account from all addresses** (here, in the cache): ``LOGIN_ACCOUNT_FAILURE_LIMIT`` (20) failures within
  ``LOGIN_ACCOUNT_WINDOW_SECONDS`` (1 h) -> the account pauses for ``LOGIN_ACCOUNT_COOLOFF_SECONDS`` (5 min),
  then counting starts again. It bounds spraying one account from many addresses, while a stranger can close
  a named account for a few minutes at a time only, never for the 15 minutes of the per-address limit.

A refused try while locked neither extends a pause nor counts (``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT =
False``). The client address is ``hrsys.core.middleware.client_ip`` (``TRUSTED_PROXY_COUNT``). A locked-out try
answers 429 with Retry-After: a page for the admin login, ``{"error": {"code": "throttled", ...}}`` for the API.
Unlock: ``manage.py axes_reset_username NAME``, ``axes_reset_ip ADDRESS``, ``axes_reset`` (both limits; README).
"""

import hashlib
import math
import time
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_credentials
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hrsys.api.errors import error_body
from hrsys.core.middleware import client_ip

_GENERATION_KEY = "login-throttle:generation"


def failure_limit(request, credentials) -> int:
    """AXES_FAILURE_LIMIT: failures per account and address."""
    return settings.LOGIN_FAILURE_LIMIT


def cool_off(request) -> timedelta:
    """AXES_COOLOFF_TIME: how long a locked (account, address) pair waits."""
    return timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


# -- per account, all addresses ------------------------------------------------------------------------------

def _account_key(username: str, part: str) -> str:
    generation = cache.get(_GENERATION_KEY, 0)  # bumped by a reset of everything
    return f"login-throttle:{generation}:{part}:{hashlib.sha256(username.encode()).hexdigest()[:32]}"


def account_cooloff_remaining(username: str | None) -> int:
    """Seconds left of the account's pause, 0 when it may try."""
    if not username:
        return 0
    until = cache.get(_account_key(username, "cooloff"))
    return max(0, math.ceil(until - time.time())) if until else 0


def _account_failed(username: str) -> bool:
    """Count one failure for the account; True when it starts the account's pause (and a fresh count)."""
    key, window = _account_key(username, "failures"), settings.LOGIN_ACCOUNT_WINDOW_SECONDS
    if cache.add(key, 1, window):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window)
            count = 1
    if count < settings.LOGIN_ACCOUNT_FAILURE_LIMIT:
        return False
    seconds = settings.LOGIN_ACCOUNT_COOLOFF_SECONDS
    cache.set(_account_key(username, "cooloff"), time.time() + seconds, seconds)
    cache.delete(key)
    return True


def account_reset(username: str | None = None) -> int:
    """Lift the account's pause and forget its failures; ``None``: every account's. Returns pauses lifted."""
    if username is None:
        cache.set(_GENERATION_KEY, time.time_ns(), None)
        return 0
    cache.delete(_account_key(username, "failures"))
    return int(bool(cache.delete(_account_key(username, "cooloff"))))


# -- per account and address (axes' records) --------------------------------------------------------------------

def _pair_remaining(username: str, ip: str | None) -> int:
    """Seconds until the (account, address) pair drops under the limit again, 0 when it is not locked.
    axes counts the failures of the records whose last failure lies within the cool-off; the lock ends when
    the record that brought the newest-first sum to the limit falls out of it."""
    now, window = timezone.now(), cool_off(None)
    rows = (AccessAttempt.objects.filter(username=username, ip_address=ip, attempt_time__gte=now - window)
            .order_by("-attempt_time").values_list("attempt_time", "failures_since_start"))
    total = 0
    for attempt_time, failures in rows:
        total += failures
        if total >= settings.LOGIN_FAILURE_LIMIT:
            return max(0, math.ceil((attempt_time + window - now).total_seconds()))
    return 0


def lock_remaining(username: str | None, ip: str | None) -> tuple[int, str | None]:
    """``(seconds, "address" | "account")`` of the longer of the two locks on this try, ``(0, None)`` if none."""
    pair = _pair_remaining(username, ip) if username else 0
    account = account_cooloff_remaining(username)
    if pair and pair >= account:
        return pair, "address"
    if account:
        return account, "account"
    return 0, None


class LoginThrottleHandler(AxesDatabaseHandler):
    """axes' database handler (per account and address) plus the per-account limit."""

    def is_locked(self, request, credentials=None) -> bool:
        if super().is_locked(request, credentials):
            return True
        return account_cooloff_remaining(get_client_username(request, credentials)) > 0

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        refused = request is not None and bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or refused:  # a refused try is not a guess: it does not count
            return
        username = get_client_username(request, credentials)
        if username and _account_failed(username):
            request.axes_locked_out = True
            request.axes_credentials = credentials

    def reset_attempts(self, *, ip_address=None, username=None, ip_or_username=False) -> int:
        """The axes_reset* commands: a named account also gets its per-account pause lifted, and a reset of
        everything lifts every account's."""
        count = super().reset_attempts(ip_address=ip_address, username=username, ip_or_username=ip_or_username)
        if username or not ip_address:
            count += account_reset(username or None)
        return count


class LoginThrottleBackend(AxesStandaloneBackend):
    """axes' backend, first in AUTHENTICATION_BACKENDS. A login without a request (the test client's
    ``login()``, a shell) is not HTTP traffic and passes through; every login view here passes its request."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def login_succeeded(request, *, username: str) -> None:
    """For the token endpoint, which logs nobody in: what axes does on a session login (AXES_RESET_ON_SUCCESS),
    forget this account's failures from this address. The per-account count stays: the owner signing in
    must not give a sprayer a fresh allowance."""
    if settings.AXES_ENABLED:
        AxesProxyHandler.update_request(request)
        AxesProxyHandler.get_implementation().reset_user_attempts(request, get_credentials(username))


def lockout_response(request, original_response=None, credentials=None, *, as_json: bool | None = None
                     ) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with Retry-After, a page in the admin's look or the API's error JSON."""
    username = get_client_username(request, credentials) or ""
    ip = getattr(request, "axes_ip_address", None) or client_ip(request)
    seconds, kind = lock_remaining(username, ip)
    seconds = max(seconds, 1)
    minutes = math.ceil(seconds / 60)
    if kind == "account":
        message = ngettext(
            "This account had too many failed sign-ins from several places. Sign-in to it is paused for "
            "%(minutes)d minute.",
            "This account had too many failed sign-ins from several places. Sign-in to it is paused for "
            "%(minutes)d minutes.", minutes)
    else:
        message = ngettext(
            "Too many failed sign-ins to this account from your address. Try again in %(minutes)d minute.",
            "Too many failed sign-ins to this account from your address. Try again in %(minutes)d minutes.",
            minutes)
    message = message % {"minutes": minutes}
    if as_json is None:
        accept = request.headers.get("Accept", "")
        as_json = (request.headers.get("X-Requested-With") == "XMLHttpRequest"
                   or ("application/json" in accept and "text/html" not in accept))
    if as_json:
        response = JsonResponse(error_body("throttled", message, retry_after=seconds), status=429)
    else:
        context = {**admin.site.each_context(request), "title": _("Sign-in paused"), "message": message,
                   "retry_at": timezone.localtime() + timedelta(seconds=seconds), "login_url": request.get_full_path()}
        response = render(request, "accounts/login_locked.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
