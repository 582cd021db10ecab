"""Candidate-facing pages (signed links, no login) and the interviewers' private calendar feeds.

Thin: they read the token, call one service or selector, and render (R-NS-6, R-NS-8, R-SCHED-4, R-SCHED-5).
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hrsys.api.errors import Conflict

from . import ics, selectors, services, tokens
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
