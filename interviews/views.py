"""Candidate-facing pages (signed links, no login) and the interviewers' private calendar feeds, with the
staff page "My calendar feed" where the owner (or HR) renews the feed's secret address.

Thin: they read the token, call one service or selector, and render (R-NS-6, R-NS-8, R-SCHED-4, R-SCHED-5,
R-SEC-3).
"""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hrsys.api.errors import Conflict

from . import feeds, ics, selectors, services, tokens
from .availability import LOCAL_TZ
from .models import Interview, JoinProblem


def _slot_choices(offer):
    return [(s, timezone.localtime(datetime.fromisoformat(s), LOCAL_TZ).strftime("%Y-%m-%d %H:%M"))
            for s in offer.slots]


@require_http_methods(["GET", "POST"])
def rebook_page(request, token):
    offer = services.rebooking_offer_for_token(token)
    ctx = {"offer": offer, "slots": _slot_choices(offer), "job": offer.interview.application.job, "error": "",
           "booked": None, "expired": offer.expires_at <= timezone.now() or offer.status != offer.Status.OPEN}
    if request.method == "POST":
        try:
            starts_at = datetime.fromisoformat(request.POST.get("slot", ""))
            ctx["booked"] = services.rebooking_book(token=token, starts_at=starts_at)
            ctx["booked_at"] = timezone.localtime(ctx["booked"].starts_at, LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            ctx["error"] = _("Pick one of the offered times.")
        except ValidationError as exc:
            ctx["error"] = " ".join(exc.messages)
        except Conflict as exc:
            ctx["error"] = str(exc.detail)
    status = 400 if ctx["error"] else 200
    return render(request, "interviews/rebook.html", ctx, status=status)


def _interview_for(token, action):
    data = tokens.read(token, action)
    interview = Interview.objects.select_related("application__job").filter(pk=data["i"]).first() if data else None
    if interview is None:
        raise Http404
    return interview


@require_http_methods(["GET", "POST"])
def confirm_page(request, token):
    interview = _interview_for(token, "confirm")
    ctx = {"interview": interview, "done": False, "error": "",
           "when": timezone.localtime(interview.starts_at, LOCAL_TZ).strftime("%Y-%m-%d %H:%M")}
    if request.method == "POST":
        try:
            services.interview_confirm(interview_id=interview.pk, channel="link")
            ctx["done"] = True
        except Conflict as exc:
            ctx["error"] = str(exc.detail)
    return render(request, "interviews/confirm.html", ctx, status=409 if ctx["error"] else 200)


@require_http_methods(["GET", "POST"])
def could_not_join_page(request, token):
    interview = _interview_for(token, "join")
    ctx = {"interview": interview, "reasons": JoinProblem.Reason.choices, "done": False, "error": ""}
    if request.method == "POST":
        try:
            services.interview_report_could_not_join(interview_id=interview.pk,
                                                     reason=request.POST.get("reason", ""),
                                                     detail=request.POST.get("detail", ""), channel="link")
            ctx["done"] = True
        except ValidationError as exc:
            ctx["error"] = " ".join(exc.messages)
        except Conflict as exc:
            ctx["error"] = str(exc.detail)
    return render(request, "interviews/could_not_join.html", ctx, status=400 if ctx["error"] else 200)


def calendar_feed(request, token):
    """The interviewer's private webcal feed: the secret token in the URL is the credential (R-SCHED-4)."""
    profile, interviews = selectors.feed_for_token(token)
    body = ics.feed(interviews, name=_("Interviews: %(name)s") % {"name": profile.user})
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def calendar_feed_manage(request, user_id=None):
    """Staff page "My calendar feed": the address to subscribe to, and a new one on request (R-SEC-3).

    ``user_id``: HR managing an interviewer within their scope (404 outside it, 403 without the right).
    Renewing needs the confirmation box ticked; without it nothing changes (400).
    """
    profile = feeds.feed_profile_get(user=request.user, user_id=user_id)
    errors = []
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            errors.append(_("Tick the box to confirm: calendars subscribed to the current link stop updating."))
        else:
            feeds.feed_token_rotate(actor=request.user, user_id=profile.user_id)
            messages.success(request, _("A new link is ready. The old link no longer works: subscribe your "
                                        "calendar app to the new one."))
            return redirect(request.path)
    ctx = {"profile": profile, "own": profile.user_id == request.user.pk, "url": feeds.feed_url(profile),
           "webcal_url": feeds.feed_webcal_url(profile), "errors": errors}
    response = render(request, "interviews/calendar_feed.html", ctx, status=400 if errors else 200)
    response["Cache-Control"] = "no-store"  # the page shows a credential
    return response
