"""The candidate portal: thin views over the services of candidates, interviews, onboarding and
notifications (R-PORTAL-1..4, R-SCHED-5, R-NS-8, R-OFFER-3, R-OFFER-4).

Every query is filtered by the session's candidate: another candidate's ids answer 404.
Every page renders in the candidate's language; every form carries CSRF.
"""

import base64
import binascii
import functools

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from candidates import consent
from candidates.models import OPEN_STATES, ConsentChannel, TransitionLog
from candidates.services import application_withdraw_by_candidate
from hrsys.api.errors import Conflict, error_messages
from hrsys.audit.services import access_log
from hrsys.core.middleware import client_ip
from interviews import services as interview_services
from interviews.models import Interview, JoinProblem, Kind
from interviews.models import State as InterviewState
from onboarding import selectors as offer_selectors
from onboarding import services as offer_services
from onboarding.models import CandidateDocument, DocumentKind, OfferState

from . import access, labels


def candidate_required(view):
    """Only with a live portal session; renders in the candidate's language, never cached."""
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        candidate = access.session_candidate(request)
        if candidate is None:
            login = reverse("portal:login")
            return redirect(f"{login}?next={request.path}")
        request.candidate = candidate
        with translation.override(candidate.preferred_language or "zh-hans"):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        response["Cache-Control"] = "no-store"
        return response
    return wrapper


def _own_interview(candidate, pk) -> Interview:
    interview = (Interview.objects.filter(application__candidate=candidate, pk=pk)
                 .select_related("application__job__department", "round", "room").first())
    if interview is None:
        raise Http404
    return interview


# -- access ------------------------------------------------------------------------------------------

def portal_home(request):
    candidate = access.session_candidate(request)
    if candidate is None:
        return render(request, "portal/welcome.html")
    return _home(request)


@candidate_required
def _home(request):
    candidate = request.candidate
    apps = list(candidate.applications.select_related("job__department").order_by("-created_at"))
    logs = {}
    for log in TransitionLog.objects.filter(application__candidate=candidate).order_by("at", "id"):
        logs.setdefault(log.application_id, []).append(log)
    for app in apps:
        app.timeline = labels.application_timeline(app, logs.get(app.pk, []))
        app.status = labels.application_status(app.state)
    interviews = list(Interview.objects.filter(application__candidate=candidate)
                      .exclude(state=InterviewState.RESCHEDULED)
                      .select_related("application__job", "round").order_by("-starts_at")[:20])
    for interview in interviews:
        interview.status = labels.interview_status(interview.state)
    offers = list(offer_selectors.candidate_offers(candidate.pk))
    for offer in offers:
        offer.status = labels.offer_status(offer.state)
    return render(request, "portal/home.html", {"candidate": candidate, "applications": apps,
                                                "interviews": interviews, "offers": offers,
                                                "asks_consent": any(org["asks_again"] for org in
                                                                    consent.consent_summary(candidate))})


def link(request, token):
    try:
        _candidate, next_path = access.link_open(request, token)
    except access.AccessRefused as exc:
        return render(request, "portal/login.html", {"refused": str(exc), "step": "request"}, status=403)
    return redirect(next_path)


def login(request):
    """Step 1: phone or email -> a code; step 2: the code -> a session."""
    next_path = request.GET.get("next") or request.POST.get("next") or "/portal/"
    if not url_has_allowed_host_and_scheme(next_path, allowed_hosts=None) or not next_path.startswith("/portal/"):
        next_path = "/portal/"
    ctx = {"step": "request", "next": next_path, "identifier": request.POST.get("identifier", "")}
    if request.method == "POST":
        if request.POST.get("step") == "verify":
            ctx["step"] = "verify"
            code = request.POST.get("code", "")
            try:
                access.code_verify(request, identifier=ctx["identifier"], code=code)
            except access.AccessRefused as exc:
                # the message beside the field it is about; a wrong code stays in the field to be corrected
                if exc.code in ("expired", "locked"):
                    ctx.update(step="request", identifier_error=str(exc))
                else:
                    ctx.update(code=code[:12], code_error=str(exc))
                return render(request, "portal/login.html", ctx, status=400)
            return redirect(next_path)
        try:
            access.code_request(identifier=ctx["identifier"], ip=client_ip(request) or "")
        except ValidationError as exc:
            ctx["identifier_error"] = " ".join(error_messages(exc))
            return render(request, "portal/login.html", ctx,
                          status=429 if isinstance(exc, access.RateLimited) else 400)
        ctx["step"] = "verify"
        ctx["sent"] = True
    return render(request, "portal/login.html", ctx)


@require_POST
def logout(request):
    access.session_end(request)
    return redirect("portal:home")


@require_POST
def language(request):
    """The language switch on every portal page (a form with a submit button: choosing is not yet switching).
    Signed in, it becomes the candidate's preferred language (the portal and our messages follow it); either
    way the choice is kept in the language cookie for the pages before sign-in (issue 15 points 6 and 10)."""
    code = request.POST.get("language", "")
    # the careers site (R-PIPE-8) shares the portal's header and this switch: back to the page it was used on
    next_path = access.safe_next(request.POST.get("next"), prefixes=("/portal/", "/careers/"))
    if code not in dict(settings.LANGUAGES):
        return HttpResponse(status=400)
    candidate = access.session_candidate(request)
    if candidate is not None:
        access.candidate_language_set(candidate_id=candidate.pk, language=code)
    response = redirect(next_path)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=settings.LANGUAGE_COOKIE_AGE,
                        path=settings.LANGUAGE_COOKIE_PATH, samesite="Lax",
                        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY)
    return response


# -- interviews (R-PORTAL-2, R-SCHED-5, R-NS-8) ---------------------------------------------------------

@candidate_required
def interview_detail(request, pk):
    interview = _own_interview(request.candidate, pk)
    ctx = {"interview": interview, "reasons": JoinProblem.Reason.choices,
           "can_confirm": interview.state == InterviewState.SCHEDULED,
           "can_change": interview.state in (InterviewState.SCHEDULED, InterviewState.CONFIRMED),
           "can_report": interview.state not in (InterviewState.CANCELLED, InterviewState.RESCHEDULED,
                                                 InterviewState.COMPLETED),
           "is_ai": interview.kind == Kind.AI, "status": labels.interview_status(interview.state)}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm":
                interview_services.interview_confirm(interview_id=interview.pk, actor=f"candidate:{request.candidate.pk}",
                                                     channel="portal")
                messages.success(request, _("Thank you, your interview is confirmed."))
            elif action == "could_not_join":
                interview_services.interview_report_could_not_join(
                    interview_id=interview.pk, reason=request.POST.get("reason", ""),
                    detail=request.POST.get("detail", ""), channel="portal")
                messages.success(request, _("Thank you. HR has been told and will contact you with help or a new "
                                            "time."))
            elif action == "decline":
                reason = request.POST.get("reason", "").strip()
                if not reason:
                    raise ValidationError({"reason": [_("Please tell us why.")]})
                interview_services.interview_cancel(actor=f"candidate:{request.candidate.pk}",
                                                    interview_id=interview.pk,
                                                    reason=_("Declined by the candidate: %(reason)s") % {"reason": reason})
                messages.success(request, _("You declined this interview. HR has been told."))
            else:
                raise ValidationError({"action": [_("Unknown action.")]})
        except (ValidationError, Conflict) as exc:
            ctx["errors"] = error_messages(exc)
            return render(request, "portal/interview.html", ctx, status=400)
        return redirect("portal:interview", pk=interview.pk)
    return render(request, "portal/interview.html", ctx)


@candidate_required
def interview_reschedule(request, pk):
    """Pick one of the offered slots; the interviewers' calendars follow (R-SCHED-5)."""
    interview = _own_interview(request.candidate, pk)
    if interview.state not in (InterviewState.SCHEDULED, InterviewState.CONFIRMED):
        raise Http404
    slots = interview_services.rebooking_slots(interview)
    ctx = {"interview": interview, "slots": [(s.isoformat(), timezone.localtime(s)) for s in slots]}
    if request.method == "POST":
        chosen = request.POST.get("slot", "")
        offered = {s.isoformat(): s for s in slots}
        try:
            if chosen not in offered:
                raise ValidationError({"slot": [_("Pick one of the offered times.")]})
            new = interview_services.interview_reschedule(
                actor=f"candidate:{request.candidate.pk}", interview_id=interview.pk, starts_at=offered[chosen],
                reason="rescheduled by the candidate in the portal")
        except (ValidationError, Conflict) as exc:
            ctx["errors"] = error_messages(exc)
            return render(request, "portal/reschedule.html", ctx, status=400)
        messages.success(request, _("Your interview has been moved."))
        return redirect("portal:interview", pk=new.pk)
    return render(request, "portal/reschedule.html", ctx)


# -- offers (R-OFFER-3, R-OFFER-4) -----------------------------------------------------------------------

@candidate_required
def offer_detail(request, pk):
    offer = offer_selectors.candidate_offer_get(candidate_id=request.candidate.pk, pk=pk)
    access_log(actor=f"candidate:{request.candidate.pk}", kind="view", obj=offer, detail="portal offer",
               channel="portal")
    return render(request, "portal/offer.html", _offer_context(offer))


def _offer_context(offer, exc=None) -> dict:
    """The offer page; after a refused answer, each message beside the field it is about (``field_errors``)
    and the rest at the top."""
    ctx = {"offer": offer, "job": offer.application.job, "can_answer": offer.state == OfferState.SENT,
           "status": labels.offer_status(offer.state),
           "signature": getattr(offer, "signature", None) if offer.state == OfferState.ACCEPTED else None}
    if exc is not None:
        fields = dict(getattr(exc, "message_dict", None) or {})
        ctx["field_errors"] = {name: " ".join(msgs) for name, msgs in fields.items()}
        ctx["errors"] = error_messages(exc)
    return ctx


@candidate_required
def offer_letter(request, pk, kind):
    offer = offer_selectors.candidate_offer_get(candidate_id=request.candidate.pk, pk=pk)
    if kind == "pdf" and offer.letter_pdf:
        field, ctype, ext = offer.letter_pdf, "application/pdf", "pdf"
    elif kind == "docx" and offer.letter_docx:
        field, ctype, ext = offer.letter_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml." \
                                               "document", "docx"
    elif kind == "signed" and offer.state == OfferState.ACCEPTED and hasattr(offer, "signature"):
        field, ctype, ext = offer.signature.signed_copy, "application/vnd.openxmlformats-officedocument." \
                                                         "wordprocessingml.document", "docx"
    else:
        raise Http404
    with field.open("rb") as fh:
        data = fh.read()
    access_log(actor=f"candidate:{request.candidate.pk}", kind="download", obj=offer, detail=f"letter {kind}",
               channel="portal")
    response = HttpResponse(data, content_type=ctype)
    disposition = "inline" if ext == "pdf" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="offer-{offer.pk}{"-signed" if kind == "signed" else ""}.{ext}"'
    return response


def _png_from_data_url(value: str) -> bytes:
    prefix = "data:image/png;base64,"
    if not value.startswith(prefix):
        return b""
    try:
        return base64.b64decode(value[len(prefix):], validate=True)
    except (binascii.Error, ValueError):
        return b""


@candidate_required
@require_POST
def offer_sign(request, pk):
    offer = offer_selectors.candidate_offer_get(candidate_id=request.candidate.pk, pk=pk)
    try:
        offer_services.offer_sign(
            candidate_id=request.candidate.pk, offer_id=offer.pk, typed_name=request.POST.get("typed_name", ""),
            signature_png=_png_from_data_url(request.POST.get("signature", "")),
            accept_terms=request.POST.get("accept_terms") == "on", ip=client_ip(request) or "",
            user_agent=request.META.get("HTTP_USER_AGENT", ""))
    except (ValidationError, Conflict) as exc:
        return render(request, "portal/offer.html", _offer_context(offer, exc), status=400)
    messages.success(request, _("Thank you! You accepted the offer. Please complete your onboarding information."))
    return redirect("portal:onboarding")


@candidate_required
@require_POST
def offer_decline(request, pk):
    offer = offer_selectors.candidate_offer_get(candidate_id=request.candidate.pk, pk=pk)
    try:
        offer_services.offer_decline(candidate_id=request.candidate.pk, offer_id=offer.pk,
                                     reason=request.POST.get("reason", ""))
    except (ValidationError, Conflict) as exc:
        return render(request, "portal/offer.html", _offer_context(offer, exc), status=400)
    messages.success(request, _("You declined the offer. Thank you for letting us know."))
    return redirect("portal:offer", pk=offer.pk)


# -- withdrawing (R-PORTAL-2) ---------------------------------------------------------------------------

WITHDRAW_REASONS = [
    ("other_offer", gettext_lazy("I accepted another offer")), ("not_interested", gettext_lazy("I am no longer interested")),
    ("location", gettext_lazy("The location does not suit me")), ("pay", gettext_lazy("Pay or conditions")),
    ("personal", gettext_lazy("Personal reasons")), ("other", gettext_lazy("Another reason")),
]


@candidate_required
def application_withdraw(request, pk):
    """The candidate withdraws an open application: booked interviews are cancelled (calendars included),
    HR is told; a person who will not come says so instead of not showing up (R-NS-5)."""
    app = (request.candidate.applications.select_related("job__department")
           .filter(pk=pk, state__in=OPEN_STATES).first())
    if app is None:
        raise Http404
    ctx = {"app": app, "reasons": WITHDRAW_REASONS}
    if request.method == "POST":
        code = request.POST.get("reason", "")
        labels = dict(WITHDRAW_REASONS)
        try:
            if code not in labels:
                raise ValidationError({"reason": [_("Please tell us why.")]})
            detail = request.POST.get("detail", "").strip()[:500]
            with translation.override("zh-hans"):  # the reason as HR reads it in the pipeline
                reason = f"{labels[code]}" + (f": {detail}" if detail else "")
            application_withdraw_by_candidate(candidate_id=request.candidate.pk, application_id=app.pk,
                                              reason=reason)
        except (ValidationError, Conflict) as exc:
            return render(request, "portal/withdraw.html", {**ctx, "errors": error_messages(exc)}, status=400)
        messages.success(request, _("Your application is withdrawn. Thank you for letting us know."))
        return redirect("portal:home")
    return render(request, "portal/withdraw.html", ctx)


# -- onboarding (R-PORTAL-3) -----------------------------------------------------------------------------

FIELD_LABELS = {
    "address": _("Home address"), "social_insurance_number": _("Social insurance number"),
    "housing_fund_number": _("Housing fund number"), "bank_name": _("Bank (for salary)"),
    "bank_account": _("Bank account number"), "emergency_contact_name": _("Emergency contact"),
    "emergency_contact_phone": _("Emergency contact phone"),
}


#: What the browser may fill in for each field (WCAG 1.3.5, HTML autofill tokens). The emergency contact is
#: another person: their own autofill section. Numbers with no autofill token (social insurance, housing fund,
#: bank account) are not offered for the browser to remember on a shared phone.
FIELD_AUTOCOMPLETE = {
    "address": "street-address", "social_insurance_number": "off", "housing_fund_number": "off",
    "bank_name": "off", "bank_account": "off", "emergency_contact_name": "section-emergency name",
    "emergency_contact_phone": "section-emergency tel",
}


@candidate_required
def onboarding(request):
    """Onboarding data, asked only once the candidate accepted an offer (data minimisation: the service refuses
    before that too); before it the page says what will come and asks nothing (issue 15 point 6)."""
    candidate = request.candidate
    if not offer_selectors.candidate_offer_accepted(candidate.pk):
        if request.method == "POST":
            return render(request, "portal/onboarding_later.html", {
                "errors": [_("We ask for onboarding details only after you have accepted an offer.")]}, status=409)
        return render(request, "portal/onboarding_later.html", {})
    errors = []
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in offer_selectors.ONBOARDING_FIELDS}
        try:
            offer_services.onboarding_info_save(candidate_id=candidate.pk, **values)
        except (ValidationError, Conflict) as exc:
            errors = error_messages(exc)
        else:
            messages.success(request, _("Saved. Thank you."))
            return redirect("portal:onboarding")
    prefill = offer_selectors.onboarding_prefill(candidate)
    fields = [{"name": n, "label": FIELD_LABELS[n], "value": prefill["fields"][n],
               "missing": n in prefill["missing"],
               "type": "tel" if n.endswith("phone") else "text", "autocomplete": FIELD_AUTOCOMPLETE[n],
               "numeric": n == "bank_account",
               "masked": bool(prefill["fields"][n]) and n in ("bank_account", "social_insurance_number",
                                                                "housing_fund_number")}
              for n in offer_selectors.ONBOARDING_FIELDS]
    docs = CandidateDocument.objects.filter(candidate=candidate)
    return render(request, "portal/onboarding.html", {
        "cases": offer_selectors.onboarding_progress_for_candidate(candidate.pk),
        "known": prefill["known"], "fields": fields, "errors": errors, "documents": docs,
        "kinds": DocumentKind.choices, "max_mb": offer_services.UPLOAD_MAX_BYTES // (1024 * 1024)},
        status=400 if errors else 200)


@candidate_required
@require_POST
def checklist_item_done(request, pk):
    """The new hire ticks one of their own onboarding items (R-ONB-2); anyone else's item is a 404."""
    offer_services.checklist_item_complete_by_candidate(candidate_id=request.candidate.pk, item_id=pk)
    messages.success(request, _("Marked as done."))
    return redirect(f"{reverse('portal:onboarding')}#checklist")


@candidate_required
@require_POST
def upload(request):
    uploaded = request.FILES.get("file")
    limit = offer_services.UPLOAD_MAX_BYTES
    try:
        if uploaded is None:
            raise ValidationError({"file": [_("Choose a file.")]})
        if uploaded.size > limit:  # refuse before reading it into memory
            raise ValidationError({"file": [_("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}]})
        offer_services.candidate_document_upload(candidate_id=request.candidate.pk, kind=request.POST.get("kind", ""),
                                                 data=uploaded.read(), filename=uploaded.name)
    except (ValidationError, Conflict) as exc:
        for msg in error_messages(exc):
            messages.error(request, msg)
        return redirect(f"{reverse('portal:onboarding')}#documents")
    messages.success(request, _("Uploaded."))
    return redirect(f"{reverse('portal:onboarding')}#documents")


# -- privacy -------------------------------------------------------------------------------------------

@candidate_required
def privacy(request):
    """Each organisation's notice and the candidate's answer per purpose: agree (to the current version), withdraw
    (R-SEC-5)."""
    candidate = request.candidate
    if request.method == "POST":
        where = {"candidate_id": candidate.pk, "organization_id": _int(request.POST.get("organization")),
                 "channel": ConsentChannel.PORTAL, "ip": client_ip(request) or "",
                 "user_agent": request.META.get("HTTP_USER_AGENT", "")}
        if where["organization_id"] not in {org.pk for org in consent.candidate_organizations(candidate.pk)}:
            raise Http404
        try:
            if request.POST.get("action") == "withdraw":
                consent.consent_withdraw(purpose=request.POST.get("purpose", ""), **where)
                messages.success(request, _("Your consent is withdrawn."))
            else:
                purposes = request.POST.getlist("purpose")
                if not purposes:
                    messages.error(request, _("Tick the box to agree."))
                    return redirect("portal:privacy")
                consent.consent_give(purposes=purposes, notice_version=_int(request.POST.get("notice_version")),
                                     **where)
                messages.success(request, _("Thank you. Your consent is recorded."))
        except (ValidationError, Conflict) as exc:
            for msg in error_messages(exc):
                messages.error(request, msg)
        return redirect("portal:privacy")
    summary = consent.consent_summary(candidate)
    language = translation.get_language()
    for org in summary:
        org["notice_text"] = org["notice"].text(language)
        org["to_agree"] = [p for p in org["purposes"] if not p["current"]]
    return render(request, "portal/privacy.html", {"organizations": summary})


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
