"""What the WeCom and DingTalk staff channels share (R-CN-2, R-INT-3): the card made of a message, the mobile
number as the providers look it up, the access-token cache and the staff user's provider id."""

import hashlib

from django.utils import translation
from django.utils.translation import gettext as _

from ..models import StaffMessaging
from ..rendering import URL_RE
from .base import PermanentSendError

STAFF = "accounts.user"


def cache_key(provider: str, *parts: str) -> str:
    """The project cache's key of a provider's access token: a digest of the credentials, never the secret."""
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:24]
    return f"staff-im:{provider}:token:{digest}"


def token_ttl(expires_in) -> int:
    """Keep a token 5 minutes less than it lives (at least a minute): it is fetched anew before it runs out."""
    try:
        seconds = int(expires_in)
    except (TypeError, ValueError):
        seconds = 7200
    return max(60, seconds - 300)


def card_parts(notification) -> tuple[str, str, str]:
    """(title, text, link) of a message: the first link of the text (the tracked link to the page the message is
    about) becomes the card's button, the text loses it. No link: ``link`` is empty (a plain text message)."""
    body = (notification.body or "").strip()
    links = URL_RE.findall(body)
    link = links[0] if links else ""
    text = " ".join(body.replace(link, " ").split()) if link else body
    title = (notification.subject or "").strip() or text[:60]
    return title, text, link


def button_text(notification) -> str:
    with translation.override(notification.language or "zh-hans"):
        return _("View")


def plain_text(notification) -> str:
    title, text, _link = card_parts(notification)
    body = (notification.body or "").strip()
    return f"{title}\n{body}" if title and title not in body else body


def mobile_for_lookup(phone: str) -> str:
    """Our E.164 number as the providers store a mainland mobile: ``+8613800138000`` -> ``13800138000``; other
    countries stay in E.164."""
    phone = (phone or "").strip()
    return phone[3:] if phone.startswith("+86") else phone


def provider_userid(notification, provider: str) -> str:
    """The staff user's id at the provider, from their binding; a message to anyone else cannot go."""
    if notification.recipient_type != STAFF:
        raise PermanentSendError(f"{provider} messages go to staff users only", code="not_a_user")
    row = StaffMessaging.objects.filter(user_id=notification.recipient_id).first()
    userid = row.provider_userid(provider) if row is not None else ""
    if not userid:
        raise PermanentSendError(f"staff user not bound to {provider}", code="not_bound")
    return userid
