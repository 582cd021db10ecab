"""Signed links for candidates (no login): confirm, could-not-join, rebooking (R-NS-6, R-NS-8, R-SCHED-5).

A token is ``signing.dumps`` of a small payload with its own salt; rebooking
tokens also name the offer's random nonce, so a used or withdrawn offer's link
is dead even though its signature is still valid.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "interviews.candidate-link"
MAX_AGE = 30 * 24 * 3600


def make(action: str, obj_id: int, nonce: str = "") -> str:
    return signing.dumps({"a": action, "i": obj_id, "n": nonce}, salt=SALT, compress=True)


def read(token: str, action: str) -> dict | None:
    """The payload if the token is genuine and for ``action``; None otherwise."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != action:
        return None
    return data


def public_url(name: str, token: str) -> str:
    return settings.PUBLIC_BASE_URL + reverse(f"interviews:{name}", kwargs={"token": token})
