"""Staff sign-in with a second factor (R-SEC-9, MLPS level 3), on django-otp.

A staff member's second factor is one confirmed ``TOTPDevice`` (an authenticator app) and a ``StaticDevice``
holding ten one-time recovery codes. After the password, a session whose user has a confirmed device is not
*verified* until a code from either was entered (``django_otp.login`` keeps the device in the session); the
roles in ``STAFF_2FA_REQUIRED_ROLES`` (admin, HR director, HR staff) must enrol before any staff page opens
(``hrsys.accounts.security_middleware``). Others may enrol on their Security page. A system administrator
resets someone's second factor from the user's admin page, with a reason, audited. The API token endpoint
asks for a code from users with a device. Wrong codes are throttled per device by django-otp
(1, 2, 4, 8 ... seconds between tries, ``OTP_TOTP_THROTTLE_FACTOR``).
"""

import base64
import re
from datetime import datetime

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hrsys.audit.services import audit_record

from .models import Role, User

RECOVERY_CODES = 10
_TOTP_CODE = re.compile(r"^\d{6}$")


def required_for(user) -> bool:
    """Whether ``user``'s role must sign in with a second factor (``STAFF_2FA_REQUIRED_ROLES``)."""
    roles = settings.STAFF_2FA_REQUIRED_ROLES
    return user.role in roles or (user.is_superuser and Role.SYSADMIN in roles)


def totp_device(user, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def manual_key(device: TOTPDevice) -> str:
    """The device's secret as the base32 text an authenticator app accepts typed in, in groups of four."""
    key = base64.b32encode(device.bin_key).decode()
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code (the otpauth:// address) as an inline SVG: nothing is fetched from elsewhere."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, dark="#1f2a37")


def _normalised(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _locked_until(device) -> datetime | None:
    allowed, info = device.verify_is_allowed()
    return None if allowed else (info or {}).get("locked_until")


# -- enrolment ------------------------------------------------------------------------------------------------

@transaction.atomic
def totp_enrolment_start(*, user) -> TOTPDevice:
    """The unconfirmed authenticator the user is setting up (made on first call, the same one after): its key
    shows as a QR code and as text until a code from it confirms it. 409 if the user already has one."""
    User.objects.select_for_update().get(pk=user.pk)
    if enrolled(user):
        raise PermissionDenied(_("Two-factor sign-in is already set up."))
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    return device


def _recovery_codes_replace(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("Recovery codes"), confirmed=True)
    codes = []
    while len(codes) < RECOVERY_CODES:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def totp_enrolment_confirm(*, user, code: str) -> tuple[TOTPDevice, list[str]]:
    """R-SEC-9: a code from the new authenticator confirms it; returns the device and ten new recovery codes,
    shown once (the old ones, if any, stop working). Wrong code: 400 on ``code``."""
    User.objects.select_for_update().get(pk=user.pk)
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
    if device is None or enrolled(user):
        raise ValidationError({"code": [_("Start the set-up again: there is no authenticator waiting for a code.")]})
    if _locked_until(device) is not None:
        raise ValidationError({"code": [_("Too many wrong codes. Wait a moment, then try again.")]})
    if not _TOTP_CODE.match(_normalised(code)) or not device.verify_token(_normalised(code)):
        raise ValidationError({"code": [_("That code is not right. Enter the 6 digits your app shows now.")]})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    codes = _recovery_codes_replace(user)
    audit_record(actor=user, action="user.two_factor_enrol", obj=user)
    return device, codes


@transaction.atomic
def recovery_codes_renew(*, user) -> list[str]:
    """Ten new recovery codes for an enrolled user, shown once; the old ones stop working."""
    User.objects.select_for_update().get(pk=user.pk)
    if not enrolled(user):
        raise PermissionDenied(_("Set up two-factor sign-in first."))
    codes = _recovery_codes_replace(user)
    audit_record(actor=user, action="user.recovery_codes_renew", obj=user)
    return codes


# -- sign-in --------------------------------------------------------------------------------------------------

def code_verify(*, user, code: str) -> tuple[object | None, datetime | None]:
    """R-SEC-9: the device that accepts ``code`` -- six digits from the authenticator, or a recovery code (used
    up) -- and ``None`` for the time a throttled user may try again. A wrong code is audited; so is a recovery
    code used. Each try runs in its own transaction so a wrong code's throttle count is kept."""
    normalised = _normalised(code)
    totp = _TOTP_CODE.match(normalised) is not None
    device_class = TOTPDevice if totp else StaticDevice
    with transaction.atomic():
        device = device_class.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
        if device is None:
            return None, None
        locked = _locked_until(device)
        if locked is not None:
            return None, locked
        if normalised and device.verify_token(normalised):
            if not totp:
                audit_record(actor=user, action="user.recovery_code_use", obj=user,
                             changes={"recovery_codes_left": [None, device.token_set.count()]})
            return device, None
        audit_record(actor=user, action="user.two_factor_refused", obj=user)
        return None, None


def token_code_error(*, user, code: str) -> str | None:
    """For the API token endpoint: why ``code`` does not complete ``user``'s sign-in, or None when it does (or
    the user has no second factor and their role needs none)."""
    if not enrolled(user):
        if required_for(user):
            return _("Your role signs in with two factors: set up two-factor sign-in on the web site first.")
        return None
    if not code:
        return _("Enter the 6-digit code from your authenticator app, or a recovery code.")
    device, locked = code_verify(user=user, code=code)
    if locked is not None:
        return _("Too many wrong codes. Wait a moment, then try again.")
    return None if device is not None else _("That code is not right.")


# -- reset by a system administrator --------------------------------------------------------------------------

def may_reset(actor) -> bool:
    return bool(actor.is_superuser or actor.role == Role.SYSADMIN)


@transaction.atomic
def two_factor_reset(*, actor, user_id: int, reason: str) -> User:
    """R-SEC-9: a system administrator removes a user's authenticator and recovery codes (a lost phone); the
    user enrols again at their next sign-in (or may, if their role does not require it). Audited with the
    reason. 403 for anyone else, 400 without a reason."""
    if not may_reset(actor):
        raise PermissionDenied(_("Only a system administrator can reset two-factor sign-in."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the second factor is reset.")]})
    user = User.objects.select_for_update().get(pk=user_id)
    had = enrolled(user)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(actor=actor, action="user.two_factor_reset", obj=user,
                 changes={"two_factor": [had, False]}, reason=reason)
    return user
