"""Interviewers' private calendar feeds: whose feed a user may manage, its address, a new address
(R-SCHED-4, R-SEC-1, R-SEC-3).

The feed address (``/interviews/feed/<token>.ics``) is the only credential a calendar app keeps, and it
travels: phones, shared calendars, proxies' logs. So its owner -- or HR for an interviewer within their
scope -- can replace the token (``feed_token_rotate``); the old address answers 404 from that moment.
The public feed itself is ``selectors.feed_for_token``.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse

from hrsys.accounts.scope import get_for_user_or_404
from hrsys.audit.services import MASK, audit_record
from hrsys.core.actors import staff_user

from .models import InterviewerProfile

# Managing somebody else's feed: HR staff and directors (interviews.*), system administrators.
MANAGE_OTHERS_PERM = "interviews.change_interviewerprofile"


def feed_profile_get(*, user, user_id: int | None = None) -> InterviewerProfile:
    """The profile whose feed ``user`` may see and renew (R-SEC-1).

    Their own, or -- with ``interviews.change_interviewerprofile`` -- that of a user within their data
    scope: 404 outside the scope (no existence leak), ``PermissionDenied`` inside it without the
    permission. The profile is created on first use, as a first booking does.
    """
    user = staff_user(user)
    if user is None or not user.is_active:
        raise PermissionDenied
    if user_id is None or user_id == user.pk:
        return InterviewerProfile.objects.get_or_create(user=user)[0]
    target = get_for_user_or_404(get_user_model(), user, pk=user_id, is_active=True)
    if not user.has_perm(MANAGE_OTHERS_PERM):
        raise PermissionDenied
    return InterviewerProfile.objects.get_or_create(user=target)[0]


def feed_url(profile: InterviewerProfile) -> str:
    return settings.PUBLIC_BASE_URL + reverse("interviews:feed", kwargs={"token": profile.feed_token})


def feed_webcal_url(profile: InterviewerProfile) -> str:
    """The same address with the ``webcal:`` scheme, which calendar apps open as a subscription."""
    return "webcal:" + feed_url(profile).split(":", 1)[1]


@transaction.atomic
def feed_token_rotate(*, actor, user_id: int | None = None) -> InterviewerProfile:
    """Give the interviewer's calendar feed a new secret address; the old one stops working (R-SEC-3).

    Who may: see ``feed_profile_get``. The audit row says that the token changed, never its value.
    """
    profile = feed_profile_get(user=actor, user_id=user_id)
    profile = InterviewerProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
    profile.feed_token = InterviewerProfile._meta.get_field("feed_token").get_default()
    profile.save(update_fields=["feed_token"])
    audit_record(actor=actor, action="interviewer_profile.feed_token_rotate", obj=profile,
                 changes={"feed_token": [MASK, MASK]})
    return profile
