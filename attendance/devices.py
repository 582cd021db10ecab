"""Device authentication for the machine API (R-ATT-3): never a staff login.

* token devices send ``Authorization: Device <token>``; only the SHA-256 of the token is stored;
* HMAC devices send ``X-Device-Id``, ``X-Timestamp`` (unix seconds, within ``ATTENDANCE_SIGNATURE_MAX_SKEW``)
  and ``X-Signature: sha256=<hex hmac(secret, "<timestamp>.<raw body>")>``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import AuthenticationFailed

from .models import Device, DeviceAuth
from .provisioning import sign


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "dev_" + secrets.token_urlsafe(32)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def authenticate_device(request) -> Device:
    """The device of a machine request, or AuthenticationFailed (401) for unknown, inactive or badly signed ones."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header.startswith("Device "):
        token = header[len("Device "):].strip()
        device = (Device.objects.select_related("department").filter(token_hash=hash_token(token), auth=DeviceAuth.TOKEN)
                  .first()) if token else None
        if device is None or not device.active:
            raise AuthenticationFailed(_("Unknown or inactive device."))
        return device
    device_id = request.META.get("HTTP_X_DEVICE_ID", "")
    timestamp = request.META.get("HTTP_X_TIMESTAMP", "")
    signature = request.META.get("HTTP_X_SIGNATURE", "")
    if not (device_id.isdigit() and timestamp and signature):
        raise AuthenticationFailed(_("Device credentials missing."))
    device = Device.objects.select_related("department").filter(pk=int(device_id), auth=DeviceAuth.HMAC).first()
    if device is None or not device.active or not device.hmac_secret:
        raise AuthenticationFailed(_("Unknown or inactive device."))
    try:
        skew = abs(time.time() - int(timestamp))
    except ValueError:
        raise AuthenticationFailed(_("Bad timestamp."))
    if skew > int(getattr(settings, "ATTENDANCE_SIGNATURE_MAX_SKEW", 300)):
        raise AuthenticationFailed(_("Signature expired."))
    expected = sign(device.hmac_secret, timestamp, request.body)
    if not hmac.compare_digest(expected, signature):
        raise AuthenticationFailed(_("Bad signature."))
    return device
