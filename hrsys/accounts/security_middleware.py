"""Staff sessions (R-SEC-9): the idle timeout, then the second-factor gate. After django-otp's OTPMiddleware.

* **Idle timeout**: a staff session unused for ``STAFF_IDLE_TIMEOUT_MINUTES`` ends (signed out, sent to the
  sign-in page with ``next``); the last activity is written at most once a minute.
* **Second factor**: a signed-in user with a confirmed authenticator whose session has not entered a code
  yet is sent to the code page; a user whose role requires one and who has none to the set-up page. Until then
  nothing else opens: pages redirect, the API answers 403. Token-authenticated API calls carry no session and
  are checked at the token endpoint instead (``hrsys.accounts.api.TokenObtainApi``).
"""

import time

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from hrsys.api.errors import error_body

from . import twofactor

LAST_ACTIVITY_KEY = "staff_last_activity"
ACTIVITY_WRITE_SECONDS = 60
#: Open to a signed-in user before the second factor: signing out or in again, the code and set-up pages,
#: language switching, static files.
OPEN_PREFIXES = ("/static/", "/i18n/", "/favicon.ico", "/healthz", "/admin/login/", "/admin/logout/",
                 "/admin/jsi18n/", "/account/verify/", "/account/security/enrol/")


def _with_next(url: str, request) -> str:
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}"


def _refuse(request, url: str, message: str):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("two_factor_required", message), status=403)
    return redirect(_with_next(url, request))


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        if self._idle_expired(request):
            logout(request)
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("session_expired", _("Your session ended after a time without use. "
                                                                    "Sign in again.")), status=401)
            return redirect(_with_next(settings.LOGIN_URL, request))
        if not request.path.startswith(OPEN_PREFIXES):
            if user.is_verified():
                pass
            elif twofactor.enrolled(user):
                return _refuse(request, reverse("account-verify"),
                               _("Enter the code from your authenticator app to finish signing in."))
            elif twofactor.required_for(user):
                return _refuse(request, reverse("account-enrol"),
                               _("Your role signs in with two factors: set up two-factor sign-in first."))
        return self.get_response(request)

    @staticmethod
    def _idle_expired(request) -> bool:
        minutes = settings.STAFF_IDLE_TIMEOUT_MINUTES
        if minutes <= 0:
            return False
        now = time.time()
        last = request.session.get(LAST_ACTIVITY_KEY)
        if last is not None and now - last > minutes * 60:
            return True
        if last is None or now - last >= ACTIVITY_WRITE_SECONDS:
            request.session[LAST_ACTIVITY_KEY] = now
        return False
