"""Passwordless candidate access (R-PORTAL-1).

* A signed, expiring, single-use link (``onboarding.links``) opens a session.
* On a new device or with an expired / used link the candidate asks for a 6-digit
  code by SMS or email: valid ``PORTAL_CODE_MINUTES`` (10), ``PORTAL_CODE_TRIES`` (5)
  wrong tries, at most ``PORTAL_CODE_PER_DESTINATION`` (3) codes per 15 minutes per
  phone / email and ``PORTAL_CODE_PER_IP`` (10) per hour per client address (``client_ip``, which
  honours ``TRUSTED_PROXY_COUNT``). Codes are stored as HMAC digests. The answer never says whether
  the phone or email is known.
* The session is a random key in Django's session under ``portal_session``
  (separate from staff auth), stored hashed, ``PORTAL_SESSION_MINUTES`` (60) idle,
  ``PORTAL_SESSION_MAX_HOURS`` (8) at most. Everything the portal shows is filtered
  by the session's candidate.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import Candidate
from candidates.services import candidate_update
from hrsys.audit.services import audit_record
from hrsys.core.middleware import client_ip
from hrsys.core.ratelimit import within_limit
from hrsys.crypto.fields import normalize_email, normalize_phone
from notifications.services import notification_create
from onboarding.links import read_portal_token

from .models import OneTimeCode, PortalSession, UsedLink

SESSION_KEY = "portal_session"


def _setting(name, default):
    return getattr(settings, name, default)


def _digest(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


class RateLimited(ValidationError):
    """Too many codes asked for one phone / email or from one IP."""


class AccessRefused(Exception):
    """A link or code that does not open the portal; ``code`` names why (expired, used, invalid, ...)."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


# -- sessions -----------------------------------------------------------------------------------------

def session_open(request, candidate, *, method: str) -> PortalSession:
    """A fresh portal session for ``candidate``; the Django session key is cycled (no fixation)."""
    now = timezone.now()
    request.session.cycle_key()
    raw = secrets.token_urlsafe(32)
    ps = PortalSession.objects.create(
        candidate=candidate, key_hash=_digest(raw), method=method, created_at=now, last_seen_at=now,
        expires_at=now + timedelta(hours=int(_setting("PORTAL_SESSION_MAX_HOURS", 8))),
        ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:400])
    request.session[SESSION_KEY] = raw
    audit_record(actor=f"candidate:{candidate.pk}", action="portal.session_open", obj=candidate,
                 changes={"method": [None, method]})
    return ps


def session_candidate(request) -> Candidate | None:
    """The candidate of a live portal session, or None (idle or absolute timeout, logged out)."""
    raw = request.session.get(SESSION_KEY)
    if not raw:
        return None
    ps = PortalSession.objects.select_related("candidate").filter(key_hash=_digest(raw), ended_at__isnull=True).first()
    now = timezone.now()
    idle = timedelta(minutes=int(_setting("PORTAL_SESSION_MINUTES", 60)))
    if ps is None or ps.expires_at <= now or ps.last_seen_at + idle <= now:
        request.session.pop(SESSION_KEY, None)
        return None
    if now - ps.last_seen_at > timedelta(minutes=1):
        PortalSession.objects.filter(pk=ps.pk).update(last_seen_at=now)
    return ps.candidate


def session_end(request) -> None:
    raw = request.session.pop(SESSION_KEY, None)
    if raw:
        PortalSession.objects.filter(key_hash=_digest(raw), ended_at__isnull=True).update(ended_at=timezone.now())
    request.session.cycle_key()


# -- links ----------------------------------------------------------------------------------------------

@transaction.atomic
def link_open(request, token: str) -> tuple[Candidate, str]:
    """Check a portal link (signature, age, single use) and open a session: ``(candidate, next path)``."""
    try:
        data = read_portal_token(token)
    except signing.SignatureExpired:
        raise AccessRefused("expired", _("This link has expired. Ask for a one-time code instead."))
    except signing.BadSignature:
        raise AccessRefused("invalid", _("This link is not valid. Ask for a one-time code instead."))
    candidate = Candidate.objects.filter(pk=data.get("c")).first()
    if candidate is None:
        raise AccessRefused("invalid", _("This link is not valid. Ask for a one-time code instead."))
    try:
        with transaction.atomic():
            UsedLink.objects.create(nonce=str(data.get("n"))[:40], candidate=candidate, purpose=data.get("p", ""),
                                    ip=client_ip(request))
    except IntegrityError:
        if session_candidate(request) == candidate:  # the same device clicking again: still signed in
            return candidate, safe_next(data.get("to"))
        raise AccessRefused("used", _("This link was already used. Ask for a one-time code to sign in "
                                      "on this device."))
    session_open(request, candidate, method="link")
    return candidate, safe_next(data.get("to"))


def safe_next(path, *, prefixes=("/portal/",)) -> str:
    """``path`` when it is a page of ours under one of ``prefixes`` (never another site), else the portal's home."""
    path = str(path or "")
    return path if path.startswith(prefixes) and "//" not in path and "\\" not in path else "/portal/"


# -- one-time codes -----------------------------------------------------------------------------------------

def _destination(identifier: str) -> tuple[str, str]:
    raw = (identifier or "").strip()
    if "@" in raw:
        return "email", normalize_email(raw)
    return "sms", normalize_phone(raw)


def code_request(*, identifier: str, ip: str = "") -> str | None:
    """Send a 6-digit code to the phone or email if it belongs to a candidate. Returns the raw code (for the
    caller's tests only; views never show it) or None. Raises ValidationError when rate-limited or malformed."""
    channel, dest = _destination(identifier)
    if not dest or (channel == "sms" and not dest.startswith("+")):
        raise ValidationError({"identifier": [_("Enter your mobile number or email address.")]})
    per_dest = int(_setting("PORTAL_CODE_PER_DESTINATION", 3))
    per_ip = int(_setting("PORTAL_CODE_PER_IP", 10))
    if not within_limit(f"portal:otp:dest:{_digest(dest)}", per_dest, 15 * 60) or \
            (ip and not within_limit(f"portal:otp:ip:{ip}", per_ip, 3600)):
        raise RateLimited({"identifier": [_("Too many codes were requested. Please wait a while and try "
                                                "again.")]})
    candidate = Candidate.objects.by_identifier(dest).order_by("-pk").first()
    if candidate is None:
        return None  # same answer as success: the form never tells who is a candidate
    code = f"{secrets.randbelow(10 ** 6):06d}"
    minutes = int(_setting("PORTAL_CODE_MINUTES", 10))
    with transaction.atomic():
        OneTimeCode.objects.filter(candidate=candidate, used_at__isnull=True).update(used_at=timezone.now())
        otp = OneTimeCode.objects.create(
            candidate=candidate, channel=channel, code_hash=_digest(f"{candidate.pk}:{code}"),
            expires_at=timezone.now() + timedelta(minutes=minutes), ip=ip or None)
        latest = candidate.applications.select_related("job__department").order_by("-created_at").first()
        notification_create(recipient=candidate.as_recipient(), channel=channel, template_key="portal_sign_in_code",
                            context={"code": code, "minutes": minutes,
                                     "organization_name": latest.job.organization_name if latest else ""},
                            idempotency_key=f"portal:otp:{otp.pk}", related=("portal.onetimecode", otp.pk),
                            ignore_quiet_hours=True, actor="portal")
    return code


def code_verify(request, *, identifier: str, code: str) -> Candidate:
    """Check a code and open a session; a wrong code counts a try, the 5th wrong try burns the code.
    The count is committed before the refusal is raised (a rollback must not undo it)."""
    with transaction.atomic():
        result = _code_check(identifier, code)
        if isinstance(result, Candidate):
            session_open(request, result, method="code")
            return result
    raise result


def _code_check(identifier: str, code: str):
    """The candidate when the code is right, else the AccessRefused to raise (after commit)."""
    _channel, dest = _destination(identifier)
    candidate = Candidate.objects.by_identifier(dest).order_by("-pk").first() if dest else None
    now = timezone.now()
    otp = (OneTimeCode.objects.select_for_update().filter(candidate=candidate, used_at__isnull=True)
           .order_by("-created_at").first()) if candidate else None
    if otp is None or otp.expires_at <= now:
        return AccessRefused("expired", _("The code has expired or was not requested. Ask for a new one."))
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if not hmac.compare_digest(otp.code_hash, _digest(f"{candidate.pk}:{code}")):
        otp.attempts += 1
        tries = int(_setting("PORTAL_CODE_TRIES", 5))
        if otp.attempts >= tries:
            otp.used_at = now
        otp.save(update_fields=["attempts", "used_at"])
        if otp.used_at:
            return AccessRefused("locked", _("Too many wrong codes. Ask for a new code."))
        return AccessRefused("wrong", _("The code is not right. %(n)s tries left.") % {"n": tries - otp.attempts})
    otp.used_at = now
    otp.save(update_fields=["used_at"])
    return candidate


# -- language --------------------------------------------------------------------------------------------------

@transaction.atomic
def candidate_language_set(*, candidate_id: int, language: str) -> Candidate:
    """The candidate picks the portal's language; it is their preferred language, so messages follow it too
    (issue 15 point 6)."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": [_("Choose one of the languages offered.")]})
    return candidate_update(actor=f"portal:candidate:{candidate_id}", candidate_id=candidate_id,
                            preferred_language=language)
