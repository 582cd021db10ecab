"""Reads of the interviews app, always within the viewer's scope (R-SCHED-1, R-NS-6, R-PIPE-7, R-SEC-1).

Public selectors other apps use:

* ``no_shows_to_handle(*, user, day=None)`` -- the HR to-do list ("N no-shows to handle today").
* ``interview_list(*, user, filters=None)`` / ``interview_get(*, user, pk)``.
* ``earlier_feedback(*, user, interview)`` -- what next-round interviewers see: every earlier
  round's feedback and the AI interview results (``ai_results_for`` is the hook the AI-result
  ingestion fills; today it reads ``Interview.ai_result``).
* ``slots_propose(*, user, application_id, round_id, ...)`` -- engine proposals for one application.
* ``join_problems_open(*, user)`` -- could-not-join reports waiting for HR.
"""

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import Application, InterviewRound
from hrsys.accounts.scope import get_for_user_or_404

from . import availability
from .models import (
    Interview,
    InterviewerProfile,
    InterviewFeedback,
    JoinProblem,
    Kind,
    RebookingOffer,
    State,
)
from .scheduling import Request
from .services import _clean_interviewers


def interview_list(*, user, filters: dict | None = None):
    filters = filters or {}
    qs = (Interview.objects.for_user(user)
          .select_related("application", "application__candidate", "application__job", "round", "room")
          .prefetch_related("interviewers"))
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("application"):
        qs = qs.filter(application_id=filters["application"])
    if filters.get("job"):
        qs = qs.filter(application__job_id=filters["job"])
    if filters.get("interviewer"):
        qs = qs.filter(interviewers=filters["interviewer"])
    if filters.get("starts_after"):
        qs = qs.filter(starts_at__gte=filters["starts_after"])
    if filters.get("starts_before"):
        qs = qs.filter(starts_at__lt=filters["starts_before"])
    return qs.order_by("starts_at", "id")


def interview_get(*, user, pk) -> Interview:
    return get_for_user_or_404(interview_list(user=user), user, pk=pk)


def no_shows_to_handle(*, user, day=None):
    """No-shows whose follow-up is not finished (no rebooking yet, no talent-pool move, not marked handled),
    newest first; ``day`` (a local date) limits to no-shows detected that day (R-NS-6, R-DASH-1)."""
    qs = (Interview.objects.for_user(user).filter(state=State.NO_SHOW, follow_up_done_at__isnull=True)
          .select_related("application", "application__candidate", "application__job")
          .prefetch_related(Prefetch("rebooking_offers", queryset=RebookingOffer.objects.order_by("-created_at"))))
    if day is not None:
        start = availability.local_moment(day, datetime.min.time())
        qs = qs.filter(no_show_at__gte=start, no_show_at__lt=start + timedelta(days=1))
    return qs.order_by("-no_show_at", "-id")


def join_problems_open(*, user):
    return (JoinProblem.objects.for_user(user).filter(resolution="")
            .select_related("interview", "interview__application__candidate", "interview__application__job"))


def ai_results_for(application) -> list[dict]:
    """AI interview results of an application, for next-round interviewers (R-PIPE-7, R-AI-4).

    Hook: the AI-result ingestion stores a summary through ``services.interview_ai_completed``;
    when it grows its own result model, this is the one place to read from it.
    """
    return [{"interview": i.pk, "completed_at": i.attended_at, "result": i.ai_result}
            for i in Interview.objects.filter(application=application, kind=Kind.AI, state=State.COMPLETED)
            .order_by("starts_at")]


def earlier_feedback(*, user, interview: Interview) -> dict:
    """Submitted feedback of every earlier round of the same application (drafts stay their author's), and its
    AI results (R-PIPE-7)."""
    visible = Interview.objects.for_user(user).filter(pk=interview.pk).exists()
    if not visible:
        raise Http404
    rounds = (InterviewFeedback.objects.submitted().filter(interview__application_id=interview.application_id,
                                               interview__starts_at__lt=interview.starts_at)
              .exclude(interview=interview)
              .select_related("interview", "interview__round", "interviewer").order_by("interview__starts_at"))
    return {"feedback": list(rounds), "ai_results": ai_results_for(interview.application)}


def feed_for_token(token: str):
    profile = InterviewerProfile.objects.select_related("user").filter(feed_token=token).first() if token else None
    if profile is None or not profile.user.is_active:
        raise Http404
    since = timezone.now() - timedelta(days=60)
    interviews = (Interview.objects.filter(interviewers=profile.user, starts_at__gte=since)
                  .select_related("application__job__department", "application__candidate", "room", "round")
                  .prefetch_related("interviewers").order_by("starts_at"))
    return profile, list(interviews)


def slots_propose(*, user, application_id: int, round_id: int | None, interviewer_ids=None, room_ids=(),
                  start: datetime | None = None, days: int = 10, limit: int = 5, preferences=None) -> list:
    """Free slots for the next round of one application (R-SCHED-1, R-SCHED-3): starts on the engine's 5-minute
    grid, never before the lead time (``availability.earliest_start``), so the first one can be booked as it is."""

    app = get_for_user_or_404(Application, user, pk=application_id)
    round_obj = InterviewRound.objects.filter(pk=round_id, job_id=app.job_id).first() if round_id else None
    if round_obj is None:
        done = set(Interview.objects.filter(application=app, state=State.COMPLETED).values_list("round_id", flat=True))
        round_obj = app.job.rounds.exclude(pk__in=[d for d in done if d]).order_by("order").first()
    if round_obj is None:
        raise ValidationError({"round": [_("The job has no further round to schedule.")]})

    people = _clean_interviewers(user, interviewer_ids, round_obj)
    if not people:
        raise ValidationError({"interviewers": [_("The round has no interviewers; choose at least one.")]})
    earliest = availability.earliest_start()
    start = max(start or earliest, earliest)
    end = start + timedelta(days=days)
    engine = availability.build_engine(user_ids=[p.pk for p in people], room_ids=list(room_ids), start=start, end=end)
    request = Request(id=app.pk, duration=timedelta(minutes=round_obj.duration_minutes),
                      required=tuple(p.pk for p in people), rooms=tuple(("room", r) for r in room_ids),
                      candidate_busy=availability.candidate_busy(app.candidate_id), preferences=preferences)
    return [{"starts_at": p.start.astimezone(UTC), "ends_at": p.end.astimezone(UTC), "interviewers": list(p.interviewers),
             "room": p.room[1] if p.room else None, "round": round_obj.pk}
            for p in engine.propose(request, limit=limit)]
