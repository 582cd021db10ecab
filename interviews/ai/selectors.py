"""Reads of AI interview data for the other stages, always in the viewer's scope (R-AI-4, R-PIPE-7).

For other apps
--------------
* ``ai_result_for_application(*, user, application_id)`` -- the latest result, or None.
* ``ai_result_summary(*, application_id, user=None)`` -- plain dict for offers, the employee file and
  probation reviews (``user=None``: a trusted machine caller).
* ``follow_up_questions_for(*, user, application_id)`` -- suggested questions for the next round.
* ``borderline_results_to_review(*, user)`` / ``held_rejections(*, user)`` -- dashboard to-dos.
* ``candidate_preferences(application_id, *, user=None)`` -- times, salary, start date for scheduling/offers.
* ``deliveries_in_processing(*, user, application_id)`` -- vendor deliveries not processed yet or failed, with
  the reason (the panel shows them).
* ``ai_result_panel_context(*, user, application_id)`` -- everything the ``ai_interviews/_result_panel.html``
  snippet (``{% ai_result_panel application_id %}``) renders.

The question bank's outcome statistics (asked, hired, passed probation) join attendance's probation results:
they are ``dashboard.insights.question_outcome_stats`` (issue 16 item 3).
"""

import json

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from candidates.models import State as AppState

from .models import (
    AIInterviewResult,
    AIInvitation,
    AIMedia,
    CandidatePreferences,
    Delivery,
    InvitationEvent,
    Question,
    QuestionUsage,
)
from .services import job_policy


def _results(user):
    qs = AIInterviewResult.objects.all() if user is None else AIInterviewResult.objects.for_user(user)
    return qs.select_related("vendor", "application__job__department", "application__candidate")


def ai_result_for_application(*, user, application_id: int) -> AIInterviewResult | None:
    """The latest AI interview result of an application the user may see (None otherwise)."""
    return _results(user).filter(application_id=application_id).order_by("-received_at", "-id").first()


def ai_results_for_application(*, user, application_id: int) -> list[AIInterviewResult]:
    return list(_results(user).filter(application_id=application_id).order_by("-received_at", "-id"))


def dimension_rows(result: AIInterviewResult) -> list[dict]:
    """One row per job dimension (in the job's order) plus extra mapped ones: label, score, thresholds."""
    job_dims = result.application.job.assessment_dimensions or []
    rows, seen = [], set()
    for d in job_dims:
        got = result.dimension_scores.get(d["key"])
        rows.append({"key": d["key"], "label": d.get("label") or d["key"], "score": got["score"] if got else None,
                     "raw": got["raw"] if got else None, "scale": got["scale"] if got else None,
                     "pass": d["pass"], "borderline": d["borderline"]})
        seen.add(d["key"])
    for key, got in sorted(result.dimension_scores.items()):
        if key not in seen:
            rows.append({"key": key, "label": key, "score": got["score"], "raw": got["raw"], "scale": got["scale"],
                         "pass": None, "borderline": None})
    return rows


def ai_result_summary(*, application_id: int, user=None) -> dict | None:
    """The latest result as plain data, for the offer approval page, the employee file and probation
    reviews (R-AI-4): no transcript, no media."""
    result = ai_result_for_application(user=user, application_id=application_id)
    if result is None:
        return None
    return {
        "result_id": result.pk, "vendor": result.vendor.name, "overall_score": result.overall_score,
        "dimensions": [{k: r[k] for k in ("key", "label", "score", "pass", "borderline")}
                       for r in dimension_rows(result)],
        "recommendation": result.recommendation, "decision": result.decision,
        "completed_at": result.completed_at.isoformat() if result.completed_at else None,
        "received_at": result.received_at.isoformat(),
    }


def borderline_results_to_review(*, user):
    """Dashboard to-do: borderline results whose application waits in the HR review queue (R-PIPE-3)."""
    return _results(user).filter(application__state=AppState.AI_REVIEW).order_by("received_at", "id")


def held_rejections(*, user):
    """Dashboard to-do: automatic rejections on hold, soonest first; HR may stop them (R-PIPE-3)."""
    return _results(user).filter(move_status=AIInterviewResult.MoveStatus.HELD).order_by("hold_until", "id")


def candidate_preferences(application_id: int, *, user=None) -> dict | None:
    """What the candidate told the AI interview: available times (UTC ISO), expected salary, earliest
    start date; for scheduling and offers (R-AI-2). ``user`` limits to their scope."""
    qs = CandidatePreferences.objects.all() if user is None else CandidatePreferences.objects.for_user(user)
    prefs = qs.filter(application_id=application_id).first()
    if prefs is None:
        return None
    return {
        "available_times": list(prefs.available_times or []),
        "expected_salary": json.loads(prefs.expected_salary) if prefs.expected_salary else None,
        "earliest_start_date": prefs.earliest_start_date,
        "result_id": prefs.result_id,
        "updated_at": prefs.updated_at,
    }


def _notable_score() -> float:
    return float(getattr(settings, "AI_INTERVIEWS_NOTABLE_SCORE", 90))


def _question_fits(question: Question, family: str, job_tags: set[str]) -> bool:
    """A bank question fits a job that has its family or shares one of its tags; one naming neither fits
    every job (R-AI-5)."""
    if question.job_family and question.job_family == family:
        return True
    if job_tags.intersection(question.tags or []):
        return True
    return not question.job_family and not question.tags


def follow_up_questions_for(*, user, application_id: int, per_dimension: int = 2) -> list[dict]:
    """Suggested follow-up questions for the next round (R-AI-4, R-AI-5, R-PIPE-7).

    For every job dimension that is weak (below its pass threshold) or notable (at or
    above ``AI_INTERVIEWS_NOTABLE_SCORE``), active bank questions of that dimension from the
    job's organisation's bank or the shared one, for the job's family or one of its tags (or
    any job), in the candidate's language first, specific before general; least-asked first.
    Weakest dimensions come first. Empty when the user may not see the result.
    """

    result = ai_result_for_application(user=user, application_id=application_id)
    if result is None:
        return []
    job = result.application.job
    policy = job_policy(job)
    family, job_tags = policy.job_family, set(policy.tags or [])
    organisation_id = job.department.organization_pk
    language = result.application.candidate.preferred_language or "zh-hans"
    notable = _notable_score()
    wanted = []
    for row in dimension_rows(result):
        if row["score"] is None:
            continue
        if row["pass"] is not None and row["score"] < row["pass"]:
            wanted.append((row, Question.Use.WEAK))
        elif row["score"] >= notable:
            wanted.append((row, Question.Use.NOTABLE))
    wanted.sort(key=lambda item: (item[1] != Question.Use.WEAK, item[0]["score"]))
    asked = set(QuestionUsage.objects.filter(application_id=application_id).values_list("question_id", flat=True))
    out = []
    for row, reason in wanted:
        qs = (Question.objects.filter(active=True, dimension=row["key"], use_for__in=[reason, Question.Use.ANY])
              .filter(Q(organisation__isnull=True) | Q(organisation_id=organisation_id))
              .annotate(times_asked=Count("usages")))
        matching = [q for q in qs if _question_fits(q, family, job_tags)]
        picked = sorted(matching, key=lambda q: (q.language != language, not (q.job_family or q.tags),
                                                 q.times_asked, q.pk))
        seen_groups, questions = set(), []
        for q in picked:
            group = q.translation_of_id or q.pk
            if group in seen_groups:
                continue
            seen_groups.add(group)
            questions.append({"id": q.pk, "text": q.text, "language": q.language, "guidance": q.guidance,
                              "asked": q.pk in asked})
            if len(questions) >= per_dimension:
                break
        out.append({"dimension": row["key"], "label": row["label"], "score": row["score"], "pass": row["pass"],
                    "reason": str(reason), "questions": questions})
    return out


def invitation_timeline(*, user, application_id: int) -> list[InvitationEvent]:
    """Candidate actions on the application's AI interviews: invited, link opened, started, completed (R-AI-7)."""
    qs = InvitationEvent.objects.all() if user is None else InvitationEvent.objects.for_user(user)
    return list(qs.filter(invitation__application_id=application_id).select_related("invitation__vendor"))


def invitations_for_application(*, user, application_id: int):
    qs = AIInvitation.objects.all() if user is None else AIInvitation.objects.for_user(user)
    return qs.filter(application_id=application_id).select_related("vendor")


def media_for_result(*, user, result_id: int):
    return AIMedia.objects.for_user(user).filter(result_id=result_id).order_by("kind", "id")


def svg_bar_chart(rows: list[dict], *, width: int = 480, bar_height: int = 22, gap: int = 8, label_width: int = 150,
                  title: str = "") -> str:
    """An inline SVG bar chart of 0-100 scores with pass (solid) and borderline (dashed) marks.

    Rendered on the server: no scripts, no CDN. Labels are escaped.
    """

    scale = width - label_width - 40
    height = max(1, len(rows)) * (bar_height + gap) + gap
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="ai-score-chart" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>']
    for i, row in enumerate(rows):
        y = gap + i * (bar_height + gap)
        score = row.get("score")
        colour = "#999"
        if score is not None and row.get("pass") is not None:
            colour = "#2e7d32" if score >= row["pass"] else ("#c62828" if score < row["borderline"] else "#ef6c00")
        elif score is not None:
            colour = "#1565c0"
        parts.append(f'<text x="0" y="{y + bar_height - 5}" font-size="15">{escape(str(row["label"])[:40])}</text>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{scale}" height="{bar_height}" fill="#eee"/>')
        if score is not None:
            parts.append(f'<rect x="{label_width}" y="{y}" width="{scale * score / 100:.1f}" height="{bar_height}" '
                         f'fill="{colour}"><title>{escape(str(row["label"]))}: {score:g}</title></rect>')
        for key, dash in (("pass", ""), ("borderline", ' stroke-dasharray="3,2"')):
            if row.get(key) is not None:
                x = label_width + scale * row[key] / 100
                parts.append(f'<line x1="{x:.1f}" y1="{y - 2}" x2="{x:.1f}" y2="{y + bar_height + 2}" '
                             f'stroke="#333"{dash}/>')
        text = "—" if score is None else f"{score:g}"
        parts.append(f'<text x="{label_width + scale + 6}" y="{y + bar_height - 5}" font-size="15">{text}</text>')
    parts.append("</svg>")
    return "".join(parts)


def deliveries_in_processing(*, user, application_id: int, limit: int = 5) -> list[Delivery]:
    """The application's vendor deliveries still waiting for the worker or failed (newest first), in the
    viewer's scope through their invitation: HR sees that a result arrived, or why it was not stored."""
    invitations = AIInvitation.objects.for_user(user).filter(application_id=application_id)
    return list(Delivery.objects.filter(invitation__in=invitations)
                .exclude(status=Delivery.Status.PROCESSED).order_by("-received_at", "-id")
                .only("received_at", "event", "status", "error", "attempts", "next_attempt_at")[:limit])


def ai_result_panel_context(*, user, application_id: int) -> dict:
    """Context of the ``ai_interviews/_result_panel.html`` snippet: chart, report, media player, transcript,
    follow-up questions, candidate actions, deliveries in processing. ``result`` is None outside the user's
    scope."""

    result = ai_result_for_application(user=user, application_id=application_id)
    deliveries = deliveries_in_processing(user=user, application_id=application_id)
    if result is None:
        return {"result": None, "deliveries": deliveries} if deliveries else {"result": None}
    rows = dimension_rows(result)
    if result.overall_score is not None:
        rows = [{"key": "overall", "label": "Overall", "score": result.overall_score, "pass": None,
                 "borderline": None}, *rows]
    media = [{"id": m.pk, "kind": m.kind, "label": m.get_kind_display(), "status": m.status,
              "content_type": m.content_type,
              "url": reverse("api:ai-media-stream", kwargs={"pk": m.pk}) if m.status == AIMedia.Status.STORED else ""}
             for m in media_for_result(user=user, result_id=result.pk)]
    return {
        "result": result, "rows": rows, "chart": mark_safe(svg_bar_chart(rows, title=str(result))),  # noqa: S308
        "media": media, "preferences": candidate_preferences(application_id, user=user),
        "follow_ups": follow_up_questions_for(user=user, application_id=application_id),
        "events": invitation_timeline(user=user, application_id=application_id),
        "signals": result.signals, "deliveries": deliveries,
    }
