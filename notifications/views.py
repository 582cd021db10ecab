"""Public, unauthenticated pages: tracked links and the email open pixel (R-NS-3, R-NS-4)."""

import base64
from datetime import timedelta

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from . import services
from .models import CandidateAction, Notification, TrackedLink

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def link_expires_at(link: TrackedLink):
    """A tracked link works ``TRACKED_LINK_TTL_DAYS`` from its creation (R-SEC-3)."""
    return link.created_at + timedelta(days=settings.TRACKED_LINK_TTL_DAYS)


@never_cache
def tracked_link(request, token: str):
    """Record the open (time, user agent, channel) and redirect to the real target.

    An expired link answers 410 with a page that points to the portal and HR instead of redirecting:
    the token is in old messages, forwarded mails and access logs, so it must stop opening anything
    (R-SEC-3). Nothing about the message or its recipient is shown, and the open is not recorded.
    """
    link = TrackedLink.objects.select_related("notification").filter(token=token).first()
    if link is None:
        raise Http404
    if timezone.now() >= link_expires_at(link):
        return render(request, "notifications/link_expired.html",
                      {"ttl_days": settings.TRACKED_LINK_TTL_DAYS}, status=410)
    services.candidate_action_record(
        kind=CandidateAction.Kind.LINK_OPEN, channel=link.notification.channel, notification=link.notification,
        link=link, user_agent=request.META.get("HTTP_USER_AGENT", ""), detail={"url": link.target_url},
    )
    return HttpResponseRedirect(link.target_url)


@never_cache
def open_pixel(request, token: str):
    """Email open tracking, where the mail client loads images."""
    notification = Notification.objects.filter(public_token=token).first()
    if notification is not None:
        services.candidate_action_record(kind=CandidateAction.Kind.EMAIL_OPEN, channel=notification.channel,
                                         notification=notification,
                                         user_agent=request.META.get("HTTP_USER_AGENT", ""))
    return HttpResponse(PIXEL, content_type="image/gif")
