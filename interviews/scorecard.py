"""The interview scorecard (issue 14, item 5; R-UI-5, R-PIPE-7): ``/interviews/<pk>/scorecard/``.

One page per interview: the candidate in short (name, job, round, time in Beijing time, place), the AI interview's
suggested follow-up questions, and the form built from the job's assessment dimensions -- a score from 1 to 5 per
dimension with the anchor text of every level in view, a recommendation and notes -- saved as a draft or
submitted. Both buttons call ``interviews.services.feedback_save``, the API's service: the rules (open from the
interview's start, only on a booked or completed human round, only its interviewers, read-only once submitted)
live there, and the page shows its refusals in words.

Who sees what: outside the viewer's scope 404 (``Interview.objects.for_user``); in scope but not on the panel:
read-only (the submitted feedback, never a draft), and a POST answers 403. An interviewer sees the others'
submitted feedback only after submitting their own, so nobody scores under its influence. Viewing is
access-logged (the page names a candidate).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from hrsys.accounts.scope import get_for_user_or_404
from hrsys.api.errors import Conflict
from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.actors import require_perm
from hrsys.core.timezones import local_tz

from . import services
from .ai.selectors import follow_up_questions_for
from .models import Interview, InterviewFeedback, Recommendation, scorecard_dimensions

VIEW_PERMISSION = "interviews.view_interview"
WRITE_PERMISSION = "interviews.add_interviewfeedback"


@dataclass
class Scorecard:
    interview: Interview
    dimensions: list[dict]  # scorecard_dimensions(job), each with "value" (this viewer's score) and "anchor"
    mine: InterviewFeedback | None
    is_interviewer: bool
    can_write: bool
    refusal: str | None  # why the form is closed (not started yet, cancelled, ...), in words
    others: list[dict] = field(default_factory=list)  # submitted feedback shown to this viewer
    follow_ups: list[dict] = field(default_factory=list)


def _with_values(dimensions, scores) -> list[dict]:
    out = []
    for dim in dimensions:
        value = (scores or {}).get(dim["key"])
        anchor = next((lvl["anchor"] for lvl in dim["levels"] if lvl["value"] == value), "")
        out.append({**dim, "value": value, "anchor": anchor})
    return out


def scorecard_for(*, user, pk: int, now=None) -> Scorecard:
    """The scorecard of interview ``pk`` as ``user`` may see it (404 outside their scope)."""

    interview = get_for_user_or_404(
        Interview.objects.select_related("application__candidate", "application__job__department", "round", "room")
        .prefetch_related("interviewers"), user, pk=pk)
    tz = local_tz()
    interview.local_start = timezone.localtime(interview.starts_at, tz)
    interview.local_end = timezone.localtime(interview.ends_at, tz)
    dimensions = scorecard_dimensions(interview.application.job)
    is_interviewer = any(u.pk == user.pk for u in interview.interviewers.all())
    feedback = list(InterviewFeedback.objects.filter(interview=interview).select_related("interviewer")
                    .order_by("submitted_at", "id"))
    mine = next((f for f in feedback if f.interviewer_id == user.pk), None) if is_interviewer else None
    refusal = services.feedback_refusal(interview, now=now)
    can_write = (is_interviewer and user.has_perm(WRITE_PERMISSION) and refusal is None
                 and (mine is None or mine.submitted_at is None))
    shows_others = not is_interviewer or (mine is not None and mine.submitted_at is not None)
    others = [{"feedback": f, "dimensions": _with_values(dimensions, f.scores)}
              for f in feedback if f.submitted_at is not None and f is not mine and shows_others]
    return Scorecard(interview=interview, dimensions=_with_values(dimensions, mine.scores if mine else {}),
                     mine=mine, is_interviewer=is_interviewer, can_write=can_write, refusal=refusal, others=others,
                     follow_ups=follow_up_questions_for(user=user, application_id=interview.application_id))


def _posted(request, dimensions) -> tuple[dict, str, str]:
    """The form's scores (whole numbers where they are; anything else goes to the service, which names it)."""
    scores = {}
    for dim in dimensions:
        raw = (request.POST.get(f"score_{dim['key']}") or "").strip()
        if raw:
            scores[dim["key"]] = int(raw) if raw.isdigit() else raw
    return scores, request.POST.get("recommendation", ""), request.POST.get("notes", "")


def _render(request, card: Scorecard, *, errors=None, posted=None, status=200):
    if posted is not None:  # a refused form keeps what the person typed
        scores, recommendation, notes = posted
        card.dimensions = _with_values(card.dimensions, scores)
    else:
        recommendation = card.mine.recommendation if card.mine else ""
        notes = card.mine.notes if card.mine else ""
    errors = errors or {}
    missing = set()
    if "scores" in errors:
        missing = {d["key"] for d in card.dimensions if d["value"] not in (1, 2, 3, 4, 5)}
    return render(request, "interviews/scorecard.html", {
        "card": card, "interview": card.interview, "errors": errors, "missing": missing,
        "recommendation": recommendation, "notes": notes, "recommendations": Recommendation.choices,
        "recommendation_labels": dict(Recommendation.choices),
    }, status=status)


@never_cache
@login_required
def scorecard_page(request, pk):
    require_perm(request.user, VIEW_PERMISSION)
    card = scorecard_for(user=request.user, pk=pk)
    if request.method != "POST":
        access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=card.interview, detail="scorecard",
                   channel="web")
        return _render(request, card)
    if not card.is_interviewer:
        raise PermissionDenied(_("Only the interviewers of this round give its feedback."))
    submit = request.POST.get("action") == "submit"
    posted = _posted(request, card.dimensions)
    here = reverse("interviews:scorecard", args=[card.interview.pk])
    try:
        services.feedback_save(actor=request.user, interview_id=card.interview.pk, scores=posted[0],
                               recommendation=posted[1], notes=posted[2], submit=submit)
    except ValidationError as exc:
        errors = getattr(exc, "message_dict", None) or {"__all__": exc.messages}
        return _render(request, card, errors=errors, posted=posted)
    except Conflict as exc:
        messages.error(request, str(exc.detail))
        return HttpResponseRedirect(here)
    if submit:
        messages.success(request, _("Your feedback is submitted. Thank you."))
    else:
        messages.success(request, _("Draft saved. You can change it until you submit it."))
    return HttpResponseRedirect(here)
