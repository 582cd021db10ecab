"""Signed, expiring, per-candidate portal links (R-PORTAL-1).

A link is ``/portal/l/<token>/``; the token is ``django.core.signing`` data
``{"c": candidate id, "p": purpose, "n": nonce, "to": next path}`` with its own salt,
so it cannot be forged or re-purposed. The portal (``portal/access.py``) checks
age, purpose and single use. It lives here, not in ``portal``, because no app
imports from ``portal`` while every message that goes to a candidate carries a link.
"""

import secrets

from django.conf import settings
from django.core import signing

SALT = "hrsys.portal.link"
DEFAULT_DAYS = 7


def link_max_age_seconds() -> int:
    return int(getattr(settings, "PORTAL_LINK_DAYS", DEFAULT_DAYS)) * 86400


def portal_token(candidate_id: int, *, purpose: str = "access", next_path: str = "/portal/") -> str:
    return signing.dumps({"c": int(candidate_id), "p": purpose, "n": secrets.token_urlsafe(8), "to": next_path},
                         salt=SALT, compress=True)


def portal_link(candidate_id: int, *, purpose: str = "access", next_path: str = "/portal/") -> str:
    """An absolute link for a message to the candidate."""
    return f"{settings.PUBLIC_BASE_URL}/portal/l/{portal_token(candidate_id, purpose=purpose, next_path=next_path)}/"


def read_portal_token(token: str) -> dict:
    """The payload, or ``signing.SignatureExpired`` / ``signing.BadSignature``."""
    return signing.loads(token, salt=SALT, max_age=link_max_age_seconds())
