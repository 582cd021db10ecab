"""Staff sign-in's second step and the Security page (R-SEC-9): thin views over ``hrsys.accounts.twofactor``."""

import django_otp
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from hrsys.core import navigation

from . import twofactor


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=20, strip=True,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                         "autofocus": True, "spellcheck": "false"}))


def _next_url(request) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return navigation.start_url(request.user)


def _page(request, template: str, context: dict, status: int = 200):
    return render(request, template, {**admin.site.each_context(request), **context}, status=status)


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
@login_required
def verify(request):
    """The sign-in's second step: the 6-digit code from the authenticator app, or a recovery code."""
    if request.user.is_verified() or not twofactor.enrolled(request.user):
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        device, locked_until = twofactor.code_verify(user=request.user, code=form.cleaned_data["code"])
        if device is not None:
            request.session.cycle_key()
            django_otp.login(request, device)
            return redirect(_next_url(request))
        if locked_until is not None:
            form.add_error("code", _("Too many wrong codes. Try again after %(time)s.")
                           % {"time": timezone.localtime(locked_until).strftime("%H:%M:%S")})
        else:
            form.add_error("code", _("That code is not right. Enter the 6 digits your app shows now, or one of your "
                                     "recovery codes."))
        form.data = {**form.data.dict(), "code": ""}  # a wrong code is not shown again
        status = 400
    return _page(request, "accounts/verify.html", {
        "title": _("Enter your sign-in code"), "form": form, "next": _next_url(request)}, status=status)


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
@login_required
def enrol(request):
    """Set up the authenticator: QR code and key, a code to confirm, then the recovery codes, shown once."""
    if twofactor.enrolled(request.user):
        return redirect("account-security")
    device = twofactor.totp_enrolment_start(user=request.user)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = twofactor.totp_enrolment_confirm(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc.message_dict["code"])
            form.data = {**form.data.dict(), "code": ""}
            status = 400
        else:
            request.session.cycle_key()
            django_otp.login(request, device)
            return _page(request, "accounts/recovery_codes.html", {
                "title": _("Your recovery codes"), "codes": codes, "next": _next_url(request)})
    return _page(request, "accounts/enrol.html", {
        "title": _("Set up two-factor sign-in"), "form": form, "qr_svg": twofactor.qr_svg(device),
        "manual_key": twofactor.manual_key(device), "required": twofactor.required_for(request.user),
        "next": _next_url(request)}, status=status)


@never_cache
@login_required
def security(request):
    """The signed-in user's Security page: whether two-factor sign-in is on, recovery codes left."""
    user = request.user
    return _page(request, "accounts/security.html", {
        "title": _("Security"), "enrolled": twofactor.enrolled(user), "required": twofactor.required_for(user),
        "codes_left": twofactor.recovery_codes_left(user),
        "idle_minutes": settings.STAFF_IDLE_TIMEOUT_MINUTES, "min_length": settings.PASSWORD_MIN_LENGTH,
        "history": settings.PASSWORD_HISTORY})


@never_cache
@require_POST
@login_required
def recovery_codes_renew(request):
    if not twofactor.enrolled(request.user):
        return redirect("account-security")
    codes = twofactor.recovery_codes_renew(user=request.user)
    return _page(request, "accounts/recovery_codes.html", {
        "title": _("Your recovery codes"), "codes": codes, "next": reverse("account-security")})
