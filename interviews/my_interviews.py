"""Page "My interviews" (issue 14; R-UI-1): the interviews assigned to the signed-in user, upcoming first
(candidate, job, round, time in local time, place), then the past ones with whether their feedback is in.

Reads go through ``Interview.objects.for_user(user)`` narrowed to ``interviewers=user``: the page never lists
an interview the user is not on, whatever their role. Viewing it is access-logged (it names candidates).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.timezones import local_tz

from .models import ACTIVE_STATES, Interview, InterviewFeedback, State

#: How far back the past interviews go.
PAST_DAYS = 60
PAST_LIMIT = 50


@dataclass
class MyInterviews:
    upcoming: list
    past: list


def my_interviews(*, user, now=None) -> MyInterviews:
    """The interviews ``user`` is booked on: upcoming (not yet ended, still on) soonest first; past ones (ended
    within ``PAST_DAYS``, neither cancelled nor replaced) latest first, each with ``my_feedback`` (bool)."""
    now = now or timezone.now()
    qs = (Interview.objects.for_user(user).filter(interviewers=user)
          .select_related("application__candidate", "application__job__department", "round", "room")
          .annotate(my_feedback=Exists(InterviewFeedback.objects.filter(interview=OuterRef("pk"),
                                                                         interviewer=user)))
          .distinct())
    upcoming = list(qs.filter(state__in=ACTIVE_STATES, ends_at__gte=now).order_by("starts_at", "id"))
    past = list(qs.filter(ends_at__lt=now, ends_at__gte=now - timedelta(days=PAST_DAYS))
                .exclude(state__in=(State.CANCELLED, State.RESCHEDULED))
                .order_by("-starts_at", "-id")[:PAST_LIMIT])
    tz = local_tz()
    for interview in (*upcoming, *past):
        interview.local_start = timezone.localtime(interview.starts_at, tz)
        interview.local_end = timezone.localtime(interview.ends_at, tz)
    return MyInterviews(upcoming=upcoming, past=past)


@never_cache
@login_required
def my_interviews_page(request):
    listing = my_interviews(user=request.user)
    shown = [i.pk for i in (*listing.upcoming, *listing.past)]
    access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=("interviews.interview", ""),
               detail=("my interviews: " + ",".join(map(str, shown)))[:300], channel="web")
    return render(request, "interviews/my_interviews.html",
                  {"upcoming": listing.upcoming, "past": listing.past, "past_days": PAST_DAYS})
