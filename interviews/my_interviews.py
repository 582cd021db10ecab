"""Page "My interviews" (issue 14 items 1 and 5; R-UI-1, R-UI-5): the interviews assigned to the signed-in user,
upcoming first (candidate, job, round, time in local time, place, and the AI interview's suggested follow-up
questions to prepare with), then the past ones with the state of my feedback (not started, draft, submitted) and a
link to the scorecard (``interviews.scorecard``); those still waiting for my feedback are counted on top.

Reads go through ``Interview.objects.for_user(user)`` narrowed to ``interviewers=user``: the page never lists
an interview the user is not on, whatever their role. Viewing it is access-logged (it names candidates).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Subquery
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.timezones import local_tz

from .ai.selectors import follow_up_questions_for
from .models import ACTIVE_STATES, Interview, InterviewFeedback, Kind, State
from .services import feedback_refusal

#: How far back the past interviews go.
PAST_DAYS = 60
PAST_LIMIT = 50
#: The next this many upcoming interviews carry their follow-up questions (a few queries each).
FOLLOW_UP_LIMIT = 10


@dataclass
class MyInterviews:
    upcoming: list
    past: list
    waiting: int = 0  # past interviews still waiting for my submitted feedback


def my_interviews(*, user, now=None, follow_ups: bool = True) -> MyInterviews:
    """The interviews ``user`` is booked on: upcoming (not yet ended, still on) soonest first; past ones (ended
    within ``PAST_DAYS``, neither cancelled nor replaced) latest first. Each carries ``feedback_state``
    ("" when it takes no feedback from me, "open" / "draft" / "submitted", or "later" before it starts) and,
    upcoming ones, ``follow_ups`` (the AI interview's suggested questions, ``FOLLOW_UP_LIMIT`` at most)."""
    now = now or timezone.now()
    mine = InterviewFeedback.objects.filter(interview=OuterRef("pk"), interviewer=user)
    qs = (Interview.objects.for_user(user).filter(interviewers=user)
          .select_related("application__candidate", "application__job__department", "round", "room")
          .annotate(my_feedback_id=Subquery(mine.values("pk")[:1]),
                    my_submitted_at=Subquery(mine.values("submitted_at")[:1]))
          .distinct())
    upcoming = list(qs.filter(state__in=ACTIVE_STATES, ends_at__gte=now).order_by("starts_at", "id"))
    past = list(qs.filter(ends_at__lt=now, ends_at__gte=now - timedelta(days=PAST_DAYS))
                .exclude(state__in=(State.CANCELLED, State.RESCHEDULED))
                .order_by("-starts_at", "-id")[:PAST_LIMIT])
    tz = local_tz()
    for interview in (*upcoming, *past):
        interview.local_start = timezone.localtime(interview.starts_at, tz)
        interview.local_end = timezone.localtime(interview.ends_at, tz)
        interview.feedback_state = _feedback_state(interview, now)
        interview.my_feedback = interview.my_submitted_at is not None
        interview.follow_ups = None
    for interview in upcoming[:FOLLOW_UP_LIMIT] if follow_ups else ():
        if interview.kind == Kind.HUMAN:
            interview.follow_ups = follow_up_questions_for(user=user, application_id=interview.application_id)
    waiting = sum(1 for i in past if i.feedback_state in ("open", "draft"))
    return MyInterviews(upcoming=upcoming, past=past, waiting=waiting)


def _feedback_state(interview, now) -> str:
    if interview.my_submitted_at is not None:
        return "submitted"
    if interview.kind != Kind.HUMAN or interview.state not in (*ACTIVE_STATES, State.COMPLETED):
        return ""
    refusal = feedback_refusal(interview, now=now)
    if refusal is not None:
        return "later" if interview.starts_at > now and interview.state != State.PROPOSED else ""
    return "draft" if interview.my_feedback_id else "open"


@never_cache
@login_required
def my_interviews_page(request):
    listing = my_interviews(user=request.user)
    shown = [i.pk for i in (*listing.upcoming, *listing.past)]
    access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=("interviews.interview", ""),
               detail=("my interviews: " + ",".join(map(str, shown)))[:300], channel="web")
    return render(request, "interviews/my_interviews.html",
                  {"upcoming": listing.upcoming, "past": listing.past, "past_days": PAST_DAYS,
                   "waiting": listing.waiting})
