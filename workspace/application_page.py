"""The application page of the staff workspace (issue 14 item 2, R-UI-2): everything about one application on
one page, with every action the viewer may take.

* the candidate, personal data masked; "Show contact details" (POST) reveals them for that one response and
  is access-logged with what was revealed;
* the résumés (downloads are scoped and logged by the API's file view), the match breakdown in words, the AI
  interview result (per dimension, recording player, follow-up questions), the interviews with their feedback
  and actions (``interviews_panel``, interviews/templatetags/interview_workspace.py), the messages with their
  delivery status, offers, onboarding and one timeline in Beijing time;
* the moves allowed now (reason where one is required), posted to the board's move view, which calls
  ``candidates.services.application_transition`` like the API.

The page joins every stage an application passes through (the pipeline, interviews, messages, offers,
onboarding), so it lives in the workspace, above them all (issue 16 item 3).

Every read goes through ``for_user``: an interviewer sees the interview data of the applications they
interview, never offers, onboarding or messages. Outside the scope the page answers 404 like a missing id.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from candidates import services
from candidates.consent import consent_latest
from candidates.matching import match_in_words
from candidates.models import Application, Credential, Purpose, Resume, State, TransitionLog
from candidates.selectors import candidate_messages_context
from hrsys.accounts.scope import get_for_user_or_404
from hrsys.audit.labels import actor_in_words
from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.masking import mask_email, mask_id_number, mask_phone
from hrsys.core.timezones import local_tz
from interviews.labels import interview_event_words
from interviews.models import InterviewEvent
from onboarding.models import OPEN_OFFER_STATES, Offer, OfferApproval, OnboardingCase

from .board import MOVE_PERMISSION, _label, _needs_reason

#: How many entries of each kind the timeline shows (newest kept).
TIMELINE_LIMIT = 100

#: Who may see a candidate's contact details in clear: HR, who contact candidates (managers and interviewers
#: judge them and see the masked form).
REVEAL_PERMISSION = "candidates.change_candidate"

#: Stages from which HR drafts an offer (the offer desk's own rule: finished or finishing the interviews).
OFFER_STAGES = (State.INTERVIEWING, State.OFFER)


def _person(candidate, *, reveal: bool) -> dict:
    if reveal:
        return {"phone": candidate.phone, "email": candidate.email, "id_number": candidate.id_number}
    return {"phone": mask_phone(candidate.phone), "email": mask_email(candidate.email),
            "id_number": mask_id_number(candidate.id_number)}


def _moves(app, user) -> list[dict]:
    if not user.has_perm(MOVE_PERMISSION):
        return []
    return [{"name": name, "label": _label(name), "needs_reason": _needs_reason(name)}
            for name in services.allowed_transitions(app, user)]


def _offers(app, user) -> list:
    return list(Offer.objects.for_user(user).filter(application=app).order_by("-created_at", "-pk"))


def _onboarding(app, user) -> list[dict]:
    cases = (OnboardingCase.objects.for_user(user).filter(application=app)
             .annotate(n_items=Count("items"), n_done=Count("items", filter=Q(items__done_at__isnull=False)))
             .order_by("-pk"))
    return [{"case": c, "total": c.n_items, "done": c.n_done,
             "percent": round(100 * c.n_done / c.n_items) if c.n_items else 0,
             "url": reverse("admin:onboarding_onboardingcase_change", args=[c.pk])} for c in cases]


def _timeline(app, user) -> list[dict]:
    """Stage moves, interview history and offer decisions of this application, newest first, local time."""
    tz = local_tz()
    rows = []
    for t in (TransitionLog.objects.filter(application=app).select_related("actor")
              .order_by("-at", "-pk")[:TIMELINE_LIMIT]):
        rows.append({"at": t.at, "kind": "stage", "actor": str(t.actor or actor_in_words(t.actor_label)),
                     "text": _("Stage: %(from)s → %(to)s") % {"from": t.get_from_state_display(),
                                                              "to": t.get_to_state_display()},
                     "reason": t.reason})
    events = (InterviewEvent.objects.for_user(user).filter(interview__application=app)
              .select_related("interview__round").order_by("-at", "-pk")[:TIMELINE_LIMIT])
    events = list(events)
    # the interview history names people by username and machines by label: both in words, one query
    names = {u.username: str(u) for u in get_user_model().objects.filter(
        username__in={e.actor_label for e in events})}
    for e in events:
        rows.append({"at": e.at, "kind": "interview", "actor": names.get(e.actor_label) or actor_in_words(e.actor_label),
                     "text": f"{e.interview.title}: {interview_event_words(e.kind)}",
                     "reason": "", "anchor": f"#interview-{e.interview_id}"})
    decided = (OfferApproval.objects.for_user(user).filter(offer__application=app, decided_at__isnull=False)
               .select_related("approver").order_by("-decided_at", "-pk")[:TIMELINE_LIMIT])
    for a in decided:
        rows.append({"at": a.decided_at, "kind": "offer", "actor": str(a.approver),
                     "text": _("Offer: %(role)s %(decision)s") % {"role": a.get_role_display(),
                                                                  "decision": a.get_decision_display()},
                     "reason": a.comment or ""})
    rows.sort(key=lambda r: r["at"], reverse=True)
    for r in rows:
        r["local"] = timezone.localtime(r["at"], tz)
    return rows[:TIMELINE_LIMIT]


def application_page_context(*, user, application: Application, reveal: bool = False) -> dict:
    """What the page shows ``user`` about ``application``; every part read within their scope."""
    app = application
    candidate = app.candidate
    moves = _moves(app, user)
    today = timezone.localdate()
    may_see_hr_data = user.has_perm("candidates.change_application") or user.has_perm("onboarding.view_offer")
    resumes = [{"name": r.original_name or str(r), "kind": r.get_kind_display(), "uploaded": r.created_at,
                "url": reverse("api:resume-file", kwargs={"pk": r.pk})}
               for r in Resume.objects.for_user(user).filter(candidate=candidate).order_by("-created_at", "-pk")]
    credentials = [{"label": c.get_type_display(), "issuer": c.issuer, "expires_on": c.expires_on,
                    "valid": c.is_valid_on(today)}
                   for c in (Credential.objects.for_user(user).filter(candidate=candidate).defer("number")
                             .order_by("type", "-expires_on"))]
    context = {
        "application": app, "candidate": candidate, "job": app.job,
        "person": _person(candidate, reveal=reveal), "revealed": reveal,
        "may_reveal": user.has_perm(REVEAL_PERMISSION),
        "credentials": credentials, "credential_problems": app.credential_problems(), "resumes": resumes,
        "match_rows": match_in_words(app.match_breakdown),
        "moves": moves,
        "plain_moves": [m for m in moves if not m["needs_reason"]],
        "reason_moves": [m for m in moves if m["needs_reason"]],
        "timeline": _timeline(app, user),
        "may_see_hr_data": may_see_hr_data,
        "back": reverse("board:application", args=[app.pk]),
        "board_url": reverse("board:board", args=[app.job_id]),
    }
    if may_see_hr_data:
        org_id = app.job.department.organization_pk
        latest = consent_latest(candidate_id=candidate.pk, organization_id=org_id)
        context["consents"] = [{"label": purpose.label, "record": latest[purpose.value]} for purpose in Purpose]
        context["record_consent_url"] = f"{reverse('admin:candidates_consentrecord_add')}?candidate={candidate.pk}" \
                                        f"&organization={org_id}"
        context.update(candidate_messages_context(user, candidate.pk))
        context["offers"] = _offers(app, user)
        context["onboarding"] = _onboarding(app, user)
        context["may_draft_offer"] = (user.has_perm("onboarding.add_offer") and app.state in OFFER_STAGES
                                      and not any(o.state in OPEN_OFFER_STATES for o in context["offers"]))
        context["draft_offer_url"] = f"{reverse('admin:onboarding_offer_add')}?application={app.pk}"
    return context


def _render(request, pk, *, reveal: bool):
    app = get_for_user_or_404(Application.objects.select_related("candidate", "job__department"),
                              request.user, pk=pk)
    context = application_page_context(user=request.user, application=app, reveal=reveal)
    detail = "application page, contact details revealed" if reveal else "application page"
    access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=app.candidate, detail=detail, channel="web")
    return render(request, "workspace/application.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def application_page(request, pk):
    return _render(request, pk, reveal=False)


@never_cache
@login_required
@require_POST
def application_reveal(request, pk):
    """The page once more with the contact details in clear, for this response only, logged (R-SEC-2)."""
    if not request.user.has_perm(REVEAL_PERMISSION):
        get_for_user_or_404(Application.objects.all(), request.user, pk=pk)  # 404 outside the scope first
        raise PermissionDenied
    return _render(request, pk, reveal=True)
