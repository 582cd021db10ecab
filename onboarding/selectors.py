"""Reads of offers and onboarding cases, always within the viewer's scope (R-OFFER-1, R-OFFER-2, R-ONB-1,
R-ONB-2, R-SEC-1).

Onboarding cases:
* ``onboarding_progress_for_candidate(candidate_id)`` -- what the portal shows the new hire.
* ``onboarding_case_list(user=)`` / ``case_progress(case)`` -- HR's view.
* ``onboarding_tasks_due(user=, day=)`` -- the HR to-do list's onboarding tasks.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.matching import match_in_words
from candidates.models import Credential, Resume
from hrsys.accounts.scope import get_for_user_or_404
from hrsys.core.masking import mask_email, mask_id_number, mask_phone
from interviews.ai.selectors import ai_result_for_application, ai_result_panel_context
from interviews.ai.selectors import candidate_preferences as ai_preferences
from interviews.models import InterviewFeedback

from .models import (
    ApprovalDecision,
    CandidateDocument,
    CaseState,
    ChecklistItem,
    Offer,
    OfferApproval,
    OnboardingCase,
    OnboardingInfo,
    OwnerRole,
    PayBand,
)


def offer_list(*, user, filters: dict | None = None):
    filters = filters or {}
    qs = Offer.objects.for_user(user).select_related("application__candidate", "application__job__department")
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("application"):
        qs = qs.filter(application_id=filters["application"])
    return qs


def offer_get(*, user, pk) -> Offer:
    return get_for_user_or_404(Offer.objects.select_related("application__candidate", "application__job__department"),
                               user, pk=pk)


def pay_band_for(department, job_level: str) -> PayBand | None:
    """The band of the job level in the department, else the nearest department above that has one."""
    if department is None:
        return None
    ids = [int(p) for p in department.path.strip("/").split("/") if p]
    bands = {b.department_id: b for b in PayBand.objects.filter(department_id__in=ids, job_level=job_level)}
    for dept_id in reversed(ids):
        if dept_id in bands:
            return bands[dept_id]
    return None


def approvals_pending_for(*, user):
    """The approver's own pending steps, oldest first (the approver's inbox)."""
    return (OfferApproval.objects.for_user(user)
            .filter(approver=user, decision=ApprovalDecision.PENDING, offer__state="pending_approval")
            .select_related("offer__application__candidate", "offer__application__job__department")
            .order_by("activated_at", "pk"))


def approval_get(*, user, pk) -> OfferApproval:
    """One approval step, only for its approver and only inside their scope: anyone else gets 404."""
    approval = get_for_user_or_404(
        OfferApproval.objects.select_related("offer__application__candidate", "offer__application__job__department"),
        user, pk=pk)
    if approval.approver_id != user.pk:
        raise Http404
    if not Offer.objects.for_user(user).filter(pk=approval.offer_id).exists() and not user.sees_everything:
        raise Http404
    return approval


# -- AI interview data (issue 6 owns it; read through interviews.ai.selectors) ------------------------------

def _ai_result(application):
    return ai_result_for_application(user=None, application_id=application.pk)


def _decimal(value):
    if isinstance(value, dict):  # {"amount": 12000, "currency": "CNY"} from the AI interview
        value = value.get("amount", value.get("min", value.get("value")))
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None


def _date(value):
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def candidate_preferences(application) -> dict:
    """Expected salary, earliest start date and available times the candidate gave (AI interview / portal)
    (R-OFFER-1): ``{"expected_salary": Decimal|None, "earliest_start_date": date|None, "available_times": ...}``."""
    prefs = ai_preferences(application.pk) or {}
    return {
        "expected_salary": _decimal(prefs.get("expected_salary")),
        "earliest_start_date": _date(prefs.get("earliest_start_date")),
        "available_times": prefs.get("available_times") or [],
    }


def ai_scores(application) -> dict:
    """Overall and per-dimension AI interview scores (0-100) for approvers (R-OFFER-2)."""
    result = _ai_result(application)
    if result is None:
        return {}
    dims = {key: (val or {}).get("score") for key, val in (result.dimension_scores or {}).items()}
    return {"overall": result.overall_score, "dimensions": dims, "recommendation": result.recommendation}


def interview_feedback(application) -> list[dict]:
    rows = (InterviewFeedback.objects.submitted().filter(interview__application=application)
            .select_related("interview", "interview__round", "interviewer").order_by("submitted_at"))
    return [{"round": f.interview.title, "interviewer": str(f.interviewer), "scores": f.scores,
             "recommendation": f.get_recommendation_display(), "notes": f.notes} for f in rows]


def band_bar(offer: Offer) -> dict | None:
    """Positions (0-100 %) for the inline SVG band bar: min .. max with the offer and the expectation marked."""
    if offer.band_min is None or offer.band_max is None:
        return None
    lo = min(offer.band_min, offer.monthly_salary, offer.expected_salary or offer.band_min)
    hi = max(offer.band_max, offer.monthly_salary, offer.expected_salary or offer.band_max)
    span = (hi - lo) or Decimal(1)

    def pct(v):
        return round(float((v - lo) / span * 100), 1)

    return {"min": pct(offer.band_min), "width": round(pct(offer.band_max) - pct(offer.band_min), 1), "mid": pct(offer.band_mid or offer.band_min), "max": pct(offer.band_max),
            "offer": pct(offer.monthly_salary),
            "expected": pct(offer.expected_salary) if offer.expected_salary is not None else None,
            "position": offer.band_position}


def approval_context(offer: Offer) -> dict:
    """Everything an approver judges: AI scores, interview feedback, match score, band position (R-OFFER-2)."""
    app = offer.application
    return {
        "ai": ai_scores(app), "feedback": interview_feedback(app), "match_score": app.match_score,
        "band": band_bar(offer), "credential_problems": app.credential_problems(),
        "chain": list(offer.approvals.filter(round=offer.approval_round).select_related("approver")),
    }


# -- portal reads (always for one candidate) ---------------------------------------------------------------

def candidate_offers(candidate_id: int):
    """Offers a candidate may see: sent and answered ones, never drafts or approvals in progress."""
    return (Offer.objects.filter(application__candidate_id=candidate_id,
                                 state__in=["sent", "accepted", "declined", "expired"])
            .select_related("application__job__department").order_by("-sent_at", "-pk"))


def candidate_offer_get(*, candidate_id: int, pk) -> Offer:
    try:
        return candidate_offers(candidate_id).get(pk=pk)
    except (Offer.DoesNotExist, ValueError, TypeError):
        raise Http404


def onboarding_prefill(candidate) -> dict:
    """What we already know, so the form asks only for what is missing (R-PORTAL-3)."""
    info = OnboardingInfo.objects.filter(candidate=candidate).first()
    resume = candidate.resumes.order_by("-created_at").first()
    latest_app = candidate.applications.order_by("-created_at").first()
    prefs = candidate_preferences(latest_app) if latest_app else {}
    accepted = Offer.objects.filter(application__candidate=candidate, state="accepted").order_by("-pk").first()
    known = {
        "name": candidate.name, "phone": candidate.phone, "email": candidate.email,
        "id_number": candidate.id_number, "education": candidate.get_education_display(),
        "years_experience": candidate.years_experience,
        "resume": resume.original_name if resume else "",
        "expected_salary": prefs.get("expected_salary"), "earliest_start_date": prefs.get("earliest_start_date"),
        "start_date": accepted.start_date if accepted else None,
        "id_photo": CandidateDocument.objects.filter(candidate=candidate, kind__in=["id_card", "photo"]).exists(),
    }
    fields = {name: getattr(info, name, "") if info else "" for name in ONBOARDING_FIELDS}
    return {"known": known, "fields": fields, "missing": [n for n, v in fields.items() if not v]}


def candidate_offer_accepted(candidate_id: int) -> bool:
    """Whether the candidate accepted an offer: only then does the portal ask for onboarding data (bank account,
    social insurance and housing fund numbers, documents). A candidate who is only applying or interviewing is
    never asked (data minimisation, PIPL; issue 15 point 6, R-PORTAL-3)."""
    return Offer.objects.filter(application__candidate_id=candidate_id, state="accepted").exists()


ONBOARDING_FIELDS = ("address", "social_insurance_number", "housing_fund_number", "bank_name", "bank_account",
                     "emergency_contact_name", "emergency_contact_phone")


# -- the hiring manager's approvals inbox and approval page (issue 14, R-UI-6, R-OFFER-2) ---------------------

DECIDED = (ApprovalDecision.APPROVED, ApprovalDecision.REJECTED, ApprovalDecision.CHANGES_REQUESTED)


def band_position_words(offer: Offer) -> str:
    """The band position in words, as the offer desk says it: below / within / above the band."""
    return {"above": _("above the band"), "below": _("below the band"), "within": _("within the band")}.get(
        offer.band_position, _("no pay band"))


def approvals_inbox(*, user, decided_limit: int = 50) -> dict:
    """The approver's inbox: the steps waiting for them (oldest first, with their age) and then the ones they
    decided (newest first). Only their own steps, inside their scope."""
    now = timezone.now()
    waiting = list(approvals_pending_for(user=user))
    decided = list(OfferApproval.objects.for_user(user).filter(approver=user, decision__in=DECIDED)
                   .select_related("offer__application__candidate", "offer__application__job__department")
                   .order_by("-decided_at", "-pk")[:decided_limit])
    for a in waiting:
        a.age = now - (a.activated_at or now)
        a.age_days = a.age.days
        a.age_hours = a.age.seconds // 3600
    for a in [*waiting, *decided]:
        a.band_words = band_position_words(a.offer)
    return {"waiting": waiting, "decided": decided}


def _match_words(breakdown: dict) -> list[dict]:
    """The match breakdown as sentences (candidates.matching.match_in_words)."""
    return match_in_words(breakdown)


def _feedback_rounds(application) -> list[dict]:
    """Every round's feedback: interviewer, recommendation, scores per dimension with the job's labels, notes."""
    labels = {d["key"]: d.get("label") or d["key"] for d in (application.job.assessment_dimensions or [])}
    rows = (InterviewFeedback.objects.submitted().filter(interview__application=application)
            .select_related("interview", "interviewer").order_by("interview__starts_at", "submitted_at", "pk"))
    out = []
    for f in rows:
        scores = [{"key": k, "label": labels.get(k, k), "score": v} for k, v in (f.scores or {}).items()]
        order = list(labels)
        scores.sort(key=lambda s: (order.index(s["key"]) if s["key"] in order else len(order), s["key"]))
        out.append({"round": f.interview.title, "starts_at": f.interview.starts_at,
                    "interviewer": str(f.interviewer),
                    "recommendation": f.get_recommendation_display(), "recommendation_key": f.recommendation,
                    "scores": scores, "notes": f.notes, "submitted_at": f.submitted_at})
    return out


def approval_page_context(*, user, approval: OfferApproval) -> dict:
    """Everything a manager judges an offer by (R-UI-6, R-OFFER-2): the candidate (personal data masked), the
    résumé (scoped, logged download) and its parsed summary, the match breakdown in words, the AI interview
    result per dimension with the recording, every round's feedback, the offer with its band position in words
    and the approval chain. Reads within ``user``'s scope."""
    offer = approval.offer
    app = offer.application
    candidate = app.candidate
    today = timezone.localdate()
    resumes = [{"name": r.original_name or str(r), "kind": r.get_kind_display(), "uploaded": r.created_at,
                "url": reverse("api:resume-file", kwargs={"pk": r.pk})}
               for r in Resume.objects.for_user(user).filter(candidate=candidate).order_by("-created_at", "-pk")]
    credentials = [{"label": c.get_type_display(), "issuer": c.issuer, "expires_on": c.expires_on,
                    "valid": c.is_valid_on(today)}
                   for c in Credential.objects.for_user(user).filter(candidate=candidate).order_by("type", "-expires_on")]
    ai = ai_result_panel_context(user=user, application_id=app.pk)
    chain = list(offer.approvals.filter(round=offer.approval_round).select_related("approver").order_by("step"))
    return {
        "approval": approval, "offer": offer, "application": app, "candidate": candidate, "job": app.job,
        "person": {"name": candidate.name, "phone": mask_phone(candidate.phone), "email": mask_email(candidate.email),
                   "id_number": mask_id_number(candidate.id_number)},
        "summary": {"education": candidate.get_education_display(), "years": candidate.years_experience,
                    "skills": list(candidate.skills or []), "credentials": credentials},
        "resumes": resumes,
        "match_score": app.match_score, "match_rows": _match_words(app.match_breakdown),
        "ai": ai, "feedback": _feedback_rounds(app),
        "band": band_bar(offer), "band_words": band_position_words(offer),
        "credential_problems": app.credential_problems(), "chain": chain,
        "urgent": app.job.priority == "urgent",
    }


# -- onboarding cases and their checklists (R-ONB-1, R-ONB-2) ----------------------------------------------

def case_progress(case) -> dict:
    items = list(case.items.all())
    done = sum(1 for i in items if i.done_at)
    return {"total": len(items), "done": done, "percent": round(100 * done / len(items)) if items else 100}


def onboarding_progress_for_candidate(candidate_id: int) -> list[dict]:
    """The candidate's open and finished onboarding cases: start date, progress, every item (title, owner, due,
    done) and which ones the candidate completes in the portal (R-ONB-2). No staff names."""
    out = []
    for case in (OnboardingCase.objects.filter(candidate_id=candidate_id).exclude(state=CaseState.CANCELLED)
                 .select_related("application__job").prefetch_related("items").order_by("-start_date")):
        out.append({
            "case_id": case.pk, "job": case.application.job.title, "start_date": case.start_date,
            "state": case.state, **case_progress(case),
            "items": [{"id": i.pk, "category": i.category, "category_label": i.get_category_display(),
                       "title": i.title, "owner_role": i.owner_role, "owner_label": i.get_owner_role_display(),
                       "due_date": i.due_date, "done": i.done_at is not None,
                       "mine": i.owner_role == OwnerRole.CANDIDATE} for i in case.items.all()],
        })
    return out


def onboarding_case_list(*, user, filters: dict | None = None):
    filters = filters or {}
    qs = (OnboardingCase.objects.for_user(user).select_related("candidate", "department", "application__job")
          .annotate(items_total=Count("items"), items_done=Count("items", filter=Q(items__done_at__isnull=False))))
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    return qs.order_by("start_date", "pk")


def checklist_items_for_owner(*, user):
    """Open items assigned to the user (their onboarding to-do)."""
    return ChecklistItem.objects.for_user(user).filter(owner=user, done_at__isnull=True).order_by("due_date")


def onboarding_tasks_due(*, user, day):
    """Open checklist items due by ``day`` in the viewer's scope, for the HR to-do list (R-ONB-2)."""
    return (ChecklistItem.objects.for_user(user).filter(done_at__isnull=True, due_date__lte=day)
            .select_related("case__candidate", "owner").order_by("due_date", "pk"))
