"""Today: the HR to-do list, each item linking to where it is handled (R-DASH-1).

Always live (never cached) and bounded: each section reads its first ``TODO_ITEMS`` rows in the order of a partial
index (``dashboard/migrations/0002_today_indexes.py``), and the sections that have more are counted together in one
query that reads at most ``COUNT_CAP + 1`` rows each ("99+"), so the page costs the same at 1,000,000
notifications as at a hundred."""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.selectors import probation_reviews_due
from candidates.models import Application, Credential
from candidates.models import State as AppState
from interviews.ai.selectors import borderline_results_to_review
from interviews.models import State as InterviewState
from interviews.selectors import no_shows_to_handle
from notifications.catalog import template_label
from notifications.models import Status as NotificationStatus
from notifications.selectors import failed_notifications
from onboarding.models import ApprovalDecision, Offer, OfferApproval, OfferState
from onboarding.selectors import onboarding_tasks_due

from ._common import _admin, stuck_days

CREDENTIAL_WARNING_DAYS = 30
TODO_ITEMS = 8
#: A section with more than this many rows shows "99+": the list says what to handle first, not how much there is
#: (an exact count of a year's failed notifications reads them all).
COUNT_CAP = 99


def _section(key, title, qs, item, list_url):
    rows = list(qs[:TODO_ITEMS])
    return {"key": key, "title": title, "count": len(rows), "more": False, "items": [item(r) for r in rows],
            "url": list_url, "_count_of": qs if len(rows) == TODO_ITEMS else None}


def _count_full_sections(sections) -> None:
    """Count the sections whose first page was full, at most ``COUNT_CAP + 1`` rows each, in one query: a scalar
    subquery per section, each a ``LIMIT`` in the section's own order (so it walks the section's index)."""
    full = [(section, qs) for section in sections if (qs := section.pop("_count_of")) is not None]
    parts, params = [], []
    for n, (_full_section, qs) in enumerate(full):
        sql, part_params = qs.values("pk")[:COUNT_CAP + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS section_{n})")
        params.extend(part_params)
    if not parts:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        counts = cursor.fetchone()
    for (section, _qs), count in zip(full, counts, strict=True):
        section["count"], section["more"] = min(count, COUNT_CAP), count > COUNT_CAP


def todo(*, user, now=None) -> list[dict]:
    """What HR should handle today, each item linking to where it is handled (R-DASH-1)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sections = []

    no_shows = no_shows_to_handle(user=user).prefetch_related(None)
    sections.append(_section(
        "no_shows", _("No-shows to handle"), no_shows,
        lambda i: {"label": f"{i.application.candidate} · {i.application.job.title}", "when": i.no_show_at,
                   "detail": i.title,
                   "url": reverse("board:application", args=[i.application_id]) + f"#interview-{i.pk}"},
        _admin("interviews_interview_changelist",
               query={"state__exact": InterviewState.NO_SHOW, "follow_up_done_at__isnull": "True"})))

    borderline = borderline_results_to_review(user=user)
    sections.append(_section(
        "borderline", _("Borderline AI interview results to review"), borderline,
        lambda r: {"label": f"{r.application.candidate} · {r.application.job.title}", "when": r.received_at,
                   "detail": _("overall %(score)s") % {"score": r.overall_score if r.overall_score is not None
                                                        else "–"},
                   "url": _admin("ai_interviews_aiinterviewresult_change", r.pk)},
        _admin("candidates_application_changelist", query={"state__exact": AppState.AI_REVIEW})))

    offers = Offer.objects.for_user(user).filter(state=OfferState.PENDING_APPROVAL)
    approvals = (OfferApproval.objects.filter(offer__in=offers, decision=ApprovalDecision.PENDING)
                 .select_related("approver", "offer__application__candidate", "offer__application__job")
                 .order_by("activated_at", "pk"))

    def approval_item(a):
        mine = a.approver_id == user.pk
        return {"label": f"{a.offer.application.candidate} · {a.offer.application.job.title}",
                "when": a.activated_at,
                "detail": _("waiting for %(approver)s (%(role)s)") % {"approver": a.approver,
                                                                       "role": a.get_role_display()},
                "url": reverse("onboarding:approval", args=[a.pk]) if mine
                else _admin("onboarding_offer_change", a.offer_id)}

    sections.append(_section("approvals", _("Offers waiting for approval"), approvals, approval_item,
                             _admin("onboarding_offer_changelist",
                                    query={"state__exact": OfferState.PENDING_APPROVAL})))

    tasks = onboarding_tasks_due(user=user, day=today)
    sections.append(_section(
        "onboarding", _("Onboarding tasks due"), tasks,
        lambda t: {"label": f"{t.case.candidate} · {t.title}", "when": t.due_date,
                   "detail": str(t.owner or t.get_owner_role_display()),
                   "url": _admin("onboarding_onboardingcase_change", t.case_id)},
        _admin("onboarding_onboardingcase_changelist")))

    soon = today + dt.timedelta(days=CREDENTIAL_WARNING_DAYS)
    creds = (Credential.objects.for_user(user).filter(expires_on__gte=today, expires_on__lte=soon)
             .select_related("candidate").order_by("expires_on", "pk"))
    sections.append(_section(
        "credentials", _("Credentials expiring within 30 days"), creds,
        lambda c: {"label": str(c.candidate), "when": c.expires_on, "detail": c.get_type_display(),
                   "url": _admin("candidates_credential_change", c.pk)},
        _admin("candidates_credential_changelist",
               query={"expires_on__gte": today.isoformat(), "expires_on__lte": soon.isoformat()})))

    failed = failed_notifications(user=user)
    sections.append(_section(
        "failed_notifications", _("Failed notifications"), failed,
        lambda n: {"label": f"{n.get_channel_display()} · {template_label(n.template_key)}"
                            f"{' · ' + n.recipient_name if n.recipient_name else ''}", "when": n.failed_at,
                   "detail": n.last_error_code or n.last_error[:80],
                   "url": _admin("notifications_notification_change", n.pk)},
        _admin("notifications_notification_changelist", query={"status__exact": NotificationStatus.FAILED})))

    reviews = probation_reviews_due(user=user, day=today)
    sections.append(_section(
        "probation", _("Probation reviews due"), reviews,
        lambda r: {"label": r.account.holder_name, "when": r.ends_on,
                   "detail": _("probation ends %(day)s") % {"day": r.ends_on.isoformat()},
                   "url": _admin("attendance_probation_decide", r.pk)},
        _admin("attendance_probationreview_changelist", query={"decision__exact": ""})))

    limits = stuck_days()
    stuck_q = reduce(or_, (Q(state=s, state_changed_at__lt=now - dt.timedelta(days=d)) for s, d in limits.items()))
    # the state list repeats what stuck_q implies, so the planner sees that the open-applications index applies
    stuck = (Application.objects.for_user(user).filter(stuck_q, state__in=list(limits))
             .select_related("candidate", "job")
             .order_by("state_changed_at", "pk"))
    sections.append(_section(
        "stuck", _("Applications stuck in a stage"), stuck,
        lambda a: {"label": f"{a.candidate} · {a.job.title}", "when": a.state_changed_at,
                   "detail": _("%(stage)s for %(days)s days") % {
                       "stage": a.get_state_display(), "days": (now - a.state_changed_at).days},
                   "url": reverse("board:application", args=[a.pk])},  # where it is moved on
        _admin("candidates_application_changelist")))
    _count_full_sections(sections)
    return sections
