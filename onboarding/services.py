"""Every write of the offers app (R-OFFER-1..4, R-PORTAL-3, R-HOSP-1, R-HOSP-2).

Public services
---------------
Staff (``actor`` is a User, or a machine label):

* ``offer_draft`` / ``offer_update`` -- HR drafts from the template, the candidate's preferences and the band.
* ``offer_submit`` -- starts the approval chain (hiring manager; + HR director above band / urgent / no band).
* ``offer_decide`` -- an approver approves, rejects or requests a change, with a comment.
* ``offer_send`` -- Word letter (+ PDF with LibreOffice), SHA-256 recorded, candidate notified with a portal link.
* ``offer_withdraw`` -- HR withdraws with a reason.

Candidate (portal; ``candidate_id`` comes from the portal session, never from the request):

* ``offer_sign`` -- typed name + drawn signature; refuses a letter changed since sending; accepts.
* ``offer_decline`` -- with a reason.
* ``onboarding_info_save`` / ``candidate_document_upload`` -- onboarding data and files.

Sweeps: ``offers_expire_due`` and ``approvals_remind_due`` (``jobs.py``).
Extension point for issue 8: ``onboarding_start_for_offer(*, offer_id)``.
"""

import hashlib
import logging
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from candidates.models import Application, Candidate, Priority
from candidates.models import State as AppState
from candidates.selectors import responsible_hr
from candidates.services import credential_problems_in_words
from hrsys.accounts.models import Role
from hrsys.api.errors import Conflict
from hrsys.audit.services import MASK, audit_record
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import staff_user as _user
from hrsys.crypto.fields import encrypted_fields
from notifications.services import notification_create
from notifications.types import Recipient

from . import letters, links, selectors
from .models import (
    ApprovalDecision,
    ApprovalRole,
    CandidateDocument,
    DocumentKind,
    Offer,
    OfferApproval,
    OfferSignature,
    OfferState,
    OfferTemplate,
    OnboardingInfo,
)

logger = logging.getLogger(__name__)
User = get_user_model()

#: Offer fields encrypted at rest: masked in audit rows like every encrypted field (R-SEC-2).
SECRET_FIELDS = frozenset(f.name for f in encrypted_fields(Offer))
EDITABLE_FIELDS = ("monthly_salary", "start_date", "probation_months", "valid_until", "job_level", "working_hours",
                   "benefits", "note")
MAX_PROBATION_MONTHS = 6  # PRC Labour Contract Law art. 19: never more than six months
UPLOAD_MAX_BYTES = 5 * 1024 * 1024
SIGNATURE_MAX_BYTES = 512 * 1024


def _setting(name, default):
    return getattr(settings, name, default)






def _lock_offer(actor, offer_id) -> Offer:
    user = _user(actor)
    qs = Offer.objects.for_user(user) if user is not None else Offer.objects.all()
    if not qs.filter(pk=offer_id).exists():
        raise Http404
    return (Offer.objects.select_for_update()
            .select_related("application__job__department", "application__candidate").get(pk=offer_id))


def _conflict(offer, message):
    raise Conflict(message, allowed=[t.name for t in offer.get_available_state_transitions()])


def _move(offer, name, *, actor, changes=None, reason=""):
    source = offer.state
    getattr(offer, name)()
    offer.save()
    audit_record(actor=actor, action=f"offer.{name}", obj=offer,
                 changes={"state": [source, offer.state], **(changes or {})}, reason=reason)


def _pipeline(actor, application_id, name, reason=""):
    """Move the application; the pipeline checks its own guards (credentials, R-HOSP-1)."""
    from candidates.services import application_transition  # noqa: PLC0415

    user = _user(actor)
    pipeline_actor = user if user is not None and user.has_perm("candidates.change_application") \
        else f"onboarding:{getattr(user, 'username', None) or actor}"
    return application_transition(actor=pipeline_actor, application_id=application_id, transition=name,
                                  reason=reason)


def _money(value, field):
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: [_("Enter an amount.")]})
    if amount <= 0:
        raise ValidationError({field: [_("The amount must be above zero.")]})
    return amount


def _date(value, field):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise ValidationError({field: [_("Enter a date as YYYY-MM-DD.")]})


# -- notifications ------------------------------------------------------------------------------------


def _send(*, recipient, channel, template_key, context, key, offer, urgent=False):
    """One outbox row; a recipient unreachable on ``channel`` is skipped, not an error."""
    return notification_create(recipient=recipient, channel=channel, template_key=template_key, context=context,
                               idempotency_key=key[:200], department=offer.application.job.department,
                               related=("onboarding.offer", offer.pk), ignore_quiet_hours=urgent,
                               actor="onboarding", skip_unreachable=True)


#: Outcomes of an offer and of an approval step as staff read them in alerts (never the code).
OUTCOME_WORDS = {
    "approved": gettext_lazy("approved"), "reject": gettext_lazy("rejected"),
    "request_change": gettext_lazy("changes requested"), "accepted": gettext_lazy("accepted"),
    "declined": gettext_lazy("declined"), "expired": gettext_lazy("expired"), "withdrawn": gettext_lazy("withdrawn"),
}


def _outcome(outcome: str) -> str:
    return str(OUTCOME_WORDS.get(outcome, outcome))


def _alert_staff(user, offer, *, key, title_fn, message_fn, url="", channels=("in_app", "email")):
    with translation.override(user.preferred_language or "zh-hans"):
        title, message = str(title_fn()), str(message_fn())
    for channel in channels:
        _send(recipient=Recipient.for_user(user), channel=channel, template_key="generic_alert",
              context={"title": title, "message": message, "url": url}, key=f"{key}:{channel}", offer=offer)


def _tell_candidate(offer, *, key, template_key, extra=None):
    """An offer event to the candidate by SMS and e-mail, in a template HR can word (R-NS-2)."""
    job = offer.application.job
    context = {"job_title": job.title, "organization_name": job.organization_name, **(extra or {})}
    for channel in ("sms", "email"):
        _send(recipient=offer.application.candidate.as_recipient(), channel=channel, template_key=template_key,
              context=context, key=f"{key}:{channel}", offer=offer)


def approval_url(approval) -> str:
    return f"{settings.PUBLIC_BASE_URL}/offers/approvals/{approval.pk}/"


# -- drafting (R-OFFER-1) ---------------------------------------------------------------------------

def template_for(job, template_id=None) -> OfferTemplate | None:
    if template_id:
        tpl = OfferTemplate.objects.filter(pk=template_id, active=True).first()
        if tpl is None:
            raise ValidationError({"template": [_("Unknown or inactive offer template.")]})
        return tpl
    ids = [int(p) for p in job.department.path.strip("/").split("/") if p]
    by_dept = {t.department_id: t for t in OfferTemplate.objects.filter(active=True, department_id__in=ids)}
    for dept_id in reversed(ids):
        if dept_id in by_dept:
            return by_dept[dept_id]
    return OfferTemplate.objects.filter(active=True, department__isnull=True).order_by("pk").first()


def _apply_band(offer) -> None:
    band = selectors.pay_band_for(offer.application.job.department, offer.job_level)
    offer.band_min, offer.band_mid, offer.band_max = (band.minimum, band.midpoint, band.maximum) if band \
        else (None, None, None)


def check_band_rules(offer) -> None:
    """Band rules (R-OFFER-1): never below the band minimum; above the maximum needs the HR director (chain)."""
    if offer.band_min is not None and offer.monthly_salary < offer.band_min:
        raise ValidationError({"monthly_salary": [
            _("%(amount)s is below the pay band minimum %(min)s for this level.")
            % {"amount": offer.monthly_salary, "min": offer.band_min}]})


def _check_terms(offer) -> None:
    errors = {}
    if offer.probation_months > MAX_PROBATION_MONTHS:
        errors["probation_months"] = [_("Probation can be at most %(n)s months.") % {"n": MAX_PROBATION_MONTHS}]
    today = timezone.localdate()
    if offer.valid_until < today:
        errors["valid_until"] = [_("The answer date is in the past.")]
    if offer.start_date < today:
        errors["start_date"] = [_("The start date is in the past.")]
    if errors:
        raise ValidationError(errors)
    check_band_rules(offer)


def _check_credentials(application) -> None:
    """R-HOSP-1: a missing or expired required credential blocks the offer when the job says so."""
    problems = application.credential_problems()
    if problems and "make_offer" in (application.job.credential_checkpoints or []):
        labels = credential_problems_in_words(problems)
        raise Conflict(_("Blocked by the job's credential requirements: %(p)s.") % {"p": labels}, allowed=[])


@transaction.atomic
def offer_draft(*, actor, application_id: int, monthly_salary=None, start_date=None, probation_months=None,
                job_level: str | None = None, template_id: int | None = None, valid_until=None,
                note: str = "") -> Offer:
    """Draft an offer from the job's offer template, the candidate's expected salary and earliest start date
    (AI interview / portal) and the department's pay band; HR adjusts afterwards (R-OFFER-1, R-HOSP-1)."""
    _require(actor, "onboarding.add_offer")
    user = _user(actor)
    apps = Application.objects.for_user(user) if user is not None else Application.objects.all()
    app = (apps.select_related("job__department", "candidate").prefetch_related("candidate__credentials")
           .filter(pk=application_id).first())
    if app is None:
        raise Http404
    app = Application.objects.select_for_update().select_related("job__department", "candidate").get(pk=app.pk)
    if app.state not in (AppState.INTERVIEWING, AppState.OFFER):
        raise Conflict(_("An offer can be drafted only after the interviews (the application is %(s)s).")
                       % {"s": app.get_state_display()}, allowed=[])
    if Offer.objects.open().filter(application=app).exists():
        raise Conflict(_("This application already has an open offer."), allowed=[])
    _check_credentials(app)
    tpl = template_for(app.job, template_id)
    prefs = selectors.candidate_preferences(app)
    today = timezone.localdate()
    offer = Offer(application=app, template=tpl, created_by=user,
                  job_level=(job_level if job_level is not None else (tpl.job_level if tpl else "")) or "",
                  probation_months=probation_months if probation_months is not None
                  else (tpl.probation_months if tpl else 3),
                  working_hours=tpl.working_hours if tpl else "", benefits=tpl.benefits if tpl else "",
                  expected_salary=prefs["expected_salary"], note=note or "", monthly_salary=Decimal("0"))
    _apply_band(offer)
    if monthly_salary is not None:
        offer.monthly_salary = _money(monthly_salary, "monthly_salary")
    elif prefs["expected_salary"] is not None:
        amount = prefs["expected_salary"]  # the expectation, brought into the band
        if offer.band_min is not None:
            amount = min(max(amount, offer.band_min), offer.band_max)
        offer.monthly_salary = amount
    elif offer.band_mid is not None:
        offer.monthly_salary = offer.band_mid
    else:
        raise ValidationError({"monthly_salary": [_("No pay band and no expected salary: enter the salary.")]})
    earliest = prefs["earliest_start_date"]
    default_start = today + timedelta(days=int(_setting("OFFER_DEFAULT_START_DAYS", 14)))
    offer.start_date = _date(start_date, "start_date") if start_date else max(earliest or default_start, today)
    offer.valid_until = _date(valid_until, "valid_until") if valid_until \
        else today + timedelta(days=tpl.validity_days if tpl else 7)
    _check_terms(offer)
    offer.save()
    # salaries are encrypted personal data: the audit row says that they were set, not what they are (R-SEC-2)
    audit_record(actor=actor, action="offer.draft", obj=offer, changes={
        "monthly_salary": [None, MASK], "start_date": [None, offer.start_date.isoformat()],
        "band": [None, offer.band_position], "expected_salary": [None, MASK if offer.expected_salary else ""]})
    return offer


@transaction.atomic
def offer_update(*, actor, offer_id: int, **changes) -> Offer:
    """HR adjusts a draft; every change raises the version (a letter of an older version cannot be signed)."""
    _require(actor, "onboarding.change_offer")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    offer = _lock_offer(actor, offer_id)
    if offer.state != OfferState.DRAFT:
        _conflict(offer, _("Only a draft can be changed (the offer is %(s)s).") % {"s": offer.get_state_display()})
    before = {name: str(getattr(offer, name)) for name in changes}
    for name, value in changes.items():
        if name == "monthly_salary":
            value = _money(value, name)
        elif name in ("start_date", "valid_until"):
            value = _date(value, name)
        elif name == "probation_months":
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise ValidationError({name: [_("Enter a number of months.")]})
        setattr(offer, name, value)
    _apply_band(offer)
    _check_terms(offer)
    offer.version += 1
    offer.save()
    audit_record(actor=actor, action="offer.update", obj=offer,
                 changes={k: [MASK, MASK] if k in SECRET_FIELDS else [before[k], str(getattr(offer, k))]
                          for k in changes})
    return offer


# -- approval (R-OFFER-2) ---------------------------------------------------------------------------------

def hiring_manager_for(job):
    """The manager of the job's department, else of the nearest department above it."""
    ids = [int(p) for p in job.department.path.strip("/").split("/") if p]
    for dept_id in reversed(ids):
        manager = (User.objects.filter(role=Role.MANAGER, is_active=True, departments=dept_id)
                   .order_by("pk").first())
        if manager is not None:
            return manager
    return None


def approval_chain(offer) -> list[tuple[str, object, str]]:
    """The policy: the hiring manager always; the HR director as well when the salary is above the band
    maximum, the job is urgent or the level has no band. ``[(role, user, why)]`` in order."""
    job = offer.application.job
    manager = hiring_manager_for(job)
    if manager is None:
        raise ValidationError({"approvers": [_("No hiring manager is set up for %(d)s.") % {"d": job.department}]})
    chain = [(ApprovalRole.HIRING_MANAGER, manager, "")]
    why = []
    if offer.band_position == "above":
        why.append("above band maximum")
    if offer.band_position == "none":
        why.append("no pay band for this level")
    if job.priority == Priority.URGENT:
        why.append("urgent hire")
    if why:
        director = User.objects.filter(role=Role.HR_DIRECTOR, is_active=True).order_by("pk").first()
        if director is None:
            raise ValidationError({"approvers": [_("This offer needs the HR director, and there is none.")]})
        chain.append((ApprovalRole.HR_DIRECTOR, director, ", ".join(why)))
    return chain


def _activate(approval, offer, now):
    approval.decision = ApprovalDecision.PENDING
    approval.activated_at = now
    approval.save(update_fields=["decision", "activated_at"])
    candidate = offer.application.candidate
    _alert_staff(approval.approver, offer, key=f"offer:{offer.pk}:approval:{approval.pk}:ask",
                 url=approval_url(approval),
                 title_fn=lambda: _("Offer waiting for your approval"),
                 message_fn=lambda: _("The offer for %(c)s (%(job)s) waits for your decision.")
                 % {"c": candidate.name, "job": offer.application.job.title})


@transaction.atomic
def offer_submit(*, actor, offer_id: int) -> Offer:
    """Send a draft into approval: the chain is built from the policy, its first step asked (R-OFFER-2)."""
    _require(actor, "onboarding.change_offer")
    offer = _lock_offer(actor, offer_id)
    if offer.state != OfferState.DRAFT:
        _conflict(offer, _("Only a draft can be submitted for approval."))
    _check_credentials(offer.application)
    _check_terms(offer)
    chain = approval_chain(offer)
    offer.approval_round += 1
    _move(offer, "submit", actor=actor, changes={"approvers": [None, [u.username for _r, u, _w in chain]]})
    now = timezone.now()
    steps = [OfferApproval.objects.create(offer=offer, round=offer.approval_round, step=i, role=role, approver=user,
                                          reason=why)
             for i, (role, user, why) in enumerate(chain, start=1)]
    _activate(steps[0], offer, now)
    return offer


DECISIONS = {"approve": ApprovalDecision.APPROVED, "reject": ApprovalDecision.REJECTED,
             "request_change": ApprovalDecision.CHANGES_REQUESTED}


@transaction.atomic
def offer_decide(*, actor, approval_id: int, decision: str, comment: str = "") -> OfferApproval:
    """An approver approves, rejects or asks for a change, with a comment; audited (R-OFFER-2).

    Only the approver named on the step, inside their data scope, may decide (others: 404)."""
    if decision not in DECISIONS:
        raise ValidationError({"decision": [_("Choose approve, reject or request_change.")]})
    comment = (comment or "").strip()
    if decision != "approve" and not comment:
        raise ValidationError({"comment": [_("Say why, so HR knows what to change.")]})
    user = _user(actor)
    if user is None:
        raise PermissionDenied("approvals need a person")
    selectors.approval_get(user=user, pk=approval_id)  # 404 for anyone but the approver in scope
    if not user.has_perm("onboarding.approve_offer"):
        raise PermissionDenied("onboarding.approve_offer")
    approval = OfferApproval.objects.select_for_update().get(pk=approval_id)
    offer = _lock_offer("onboarding", approval.offer_id)
    if approval.decision != ApprovalDecision.PENDING or offer.state != OfferState.PENDING_APPROVAL \
            or approval.round != offer.approval_round:
        raise Conflict(_("This approval step is not waiting for a decision."), allowed=[])
    now = timezone.now()
    approval.decision = DECISIONS[decision]
    approval.comment = comment
    approval.decided_at = now
    approval.save(update_fields=["decision", "comment", "decided_at"])
    audit_record(actor=user, action=f"offer.approval.{decision}", obj=offer,
                 changes={"step": [None, approval.step], "role": [None, approval.role],
                          "decision": [ApprovalDecision.PENDING, approval.decision]}, reason=comment)
    candidate = offer.application.candidate
    hr = responsible_hr(offer.application)
    if offer.created_by and offer.created_by.is_active and offer.created_by not in hr:
        hr = [offer.created_by, *hr]
    later = OfferApproval.objects.filter(offer=offer, round=approval.round, step__gt=approval.step).order_by("step")
    if decision == "approve":
        nxt = later.first()
        if nxt is not None:
            _activate(nxt, offer, now)
            return approval
        _move(offer, "approve", actor=user)
        outcome = "approved"
    else:
        later.update(decision=ApprovalDecision.SUPERSEDED)
        _move(offer, "reject" if decision == "reject" else "request_change", actor=user, reason=comment)
        outcome = decision
    for person in hr:
        _alert_staff(person, offer, key=f"offer:{offer.pk}:r{approval.round}:{outcome}:{person.pk}",
                     url=f"{settings.PUBLIC_BASE_URL}/admin/onboarding/offer/{offer.pk}/change/",
                     title_fn=lambda: _("Offer approval: %(o)s") % {"o": _outcome(outcome)},
                     message_fn=lambda: _("Offer for %(c)s: %(o)s by %(u)s. %(comment)s")
                     % {"c": candidate.name, "o": _outcome(outcome), "u": user, "comment": comment})
    return approval


# -- the letter (R-OFFER-3) -------------------------------------------------------------------------------

def letter_context(offer) -> dict:
    app = offer.application
    return {
        "organization_name": app.job.organization_name, "department_name": app.job.department.name,
        "job_title": app.job.title, "job_level": offer.job_level or "-", "candidate_name": app.candidate.name,
        "monthly_salary": f"{offer.monthly_salary:,.2f}", "currency": offer.currency,
        "start_date": offer.start_date.isoformat(), "probation_months": offer.probation_months,
        "working_hours": offer.working_hours or "-", "benefits": offer.benefits or "-",
        "valid_until": offer.valid_until.isoformat(), "issued_on": timezone.localdate().isoformat(),
        "reference": f"OFFER-{offer.pk}-v{offer.version}",
    }


def _letter_render(offer) -> tuple[bytes, bytes | None]:
    """The Word letter and, when LibreOffice is there, its PDF: seconds of work, done before any lock."""
    docx = letters.render_docx(letter_context(offer))
    return docx, letters.docx_to_pdf(docx)


def _letter_store(offer, docx: bytes, pdf: bytes | None) -> None:
    """Store both encrypted with their SHA-256. The caller holds the row lock and saves."""
    stem = f"offer-{offer.pk}-v{offer.version}-{uuid.uuid4().hex[:8]}"
    offer.letter_docx.save(f"{stem}.docx", ContentFile(docx), save=False)
    offer.document_sha256 = letters.sha256(docx)
    if pdf:
        offer.letter_pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
        offer.pdf_sha256 = letters.sha256(pdf)
    else:
        offer.letter_pdf = None
        offer.pdf_sha256 = ""


def offer_document_verify(offer) -> dict:
    """Re-hash the stored documents and compare with the hashes recorded when sent (R-OFFER-3).

    ``{"ok": bool, "problems": [...]}``; a file changed, replaced or missing on disk, or an offer changed after
    sending, is reported as tampering."""
    problems = []
    if not offer.document_sha256 or not offer.letter_docx:
        return {"ok": False, "problems": ["no letter recorded"]}
    if offer.sent_version is not None and offer.sent_version != offer.version:
        problems.append("offer changed after it was sent")
    checks = [("letter_docx", offer.letter_docx, offer.document_sha256)]
    if offer.pdf_sha256:
        checks.append(("letter_pdf", offer.letter_pdf, offer.pdf_sha256))
    signature = OfferSignature.objects.filter(offer=offer).first()
    if signature is not None:
        checks.append(("signed_copy", signature.signed_copy, signature.signed_copy_sha256))
        checks.append(("signature_png", signature.signature_png, signature.signature_sha256))
    for name, field, expected in checks:
        try:
            with field.open("rb") as fh:
                actual = letters.sha256(fh.read())
        except Exception:  # noqa: BLE001 - unreadable (missing, or fails authenticated decryption) is tampering
            problems.append(f"{name}: unreadable")
            continue
        if actual != expected:
            problems.append(f"{name}: hash differs")
    return {"ok": not problems, "problems": problems}


def _check_sendable(offer) -> None:
    if offer.state != OfferState.APPROVED:
        _conflict(offer, _("Only an approved offer can be sent (the offer is %(s)s).")
                  % {"s": offer.get_state_display()})
    if offer.valid_until < timezone.localdate():
        raise ValidationError({"valid_until": [_("The answer date has passed; change it and approve again.")]})
    _check_credentials(offer.application)


def offer_send(*, actor, offer_id: int) -> Offer:
    """Generate the letter, record its SHA-256, move the application to ``offer`` and send the candidate a
    portal link (R-OFFER-3, R-OFFER-4, R-HOSP-1).

    The letter is rendered before the offer row is locked: LibreOffice takes seconds and no transaction
    should wait on it. The locked step checks again and refuses (409) if the offer changed meanwhile."""
    _require(actor, "onboarding.change_offer")
    user = _user(actor)
    offer = (Offer.objects.for_user(user) if user is not None else Offer.objects.all()).select_related(
        "application__job__department", "application__candidate").filter(pk=offer_id).first()
    if offer is None:
        raise Http404
    _check_sendable(offer)
    docx, pdf = _letter_render(offer)
    return _offer_send_locked(actor=actor, offer_id=offer_id, version=offer.version, docx=docx, pdf=pdf)


@transaction.atomic
def _offer_send_locked(*, actor, offer_id: int, version: int, docx: bytes, pdf: bytes | None) -> Offer:
    offer = _lock_offer(actor, offer_id)
    _check_sendable(offer)
    if offer.version != version:
        _conflict(offer, _("The offer changed while its letter was prepared; send it again."))
    if offer.application.state == AppState.INTERVIEWING:
        _pipeline(actor, offer.application_id, "make_offer")
    _letter_store(offer, docx, pdf)
    offer.sent_at = timezone.now()
    offer.sent_version = offer.version
    _move(offer, "send", actor=actor, changes={"document_sha256": [None, offer.document_sha256],
                                               "pdf_sha256": [None, offer.pdf_sha256 or None]})
    candidate = offer.application.candidate
    job = offer.application.job
    url = links.portal_link(candidate.pk, purpose="offer", next_path=f"/portal/offers/{offer.pk}/")
    contact = (responsible_hr(offer.application) or [None])[0]
    ctx = {"job_title": job.title, "department_name": job.department.name, "organization_name": job.organization_name,
           "offer_url": url, "respond_by": offer.valid_until.isoformat(), "start_date": offer.start_date.isoformat(),
           "contact_name": str(contact) if contact else "", "contact_phone": (contact.phone if contact else "") or ""}
    for channel in ("sms", "email"):
        _send(recipient=candidate.as_recipient(), channel=channel, template_key="offer_sent", context=ctx,
              key=f"offer:{offer.pk}:v{offer.version}:sent:{channel}", offer=offer)
    return offer


# -- the candidate answers (R-OFFER-3, R-OFFER-4) -----------------------------------------------------

def _candidate_offer_locked(candidate_id, offer_id) -> Offer:
    selectors.candidate_offer_get(candidate_id=candidate_id, pk=offer_id)  # 404 for another candidate's offer
    return (Offer.objects.select_for_update()
            .select_related("application__job__department", "application__candidate").get(pk=offer_id))


def _notify_outcome(offer, outcome, detail=""):
    candidate = offer.application.candidate
    people = list(responsible_hr(offer.application))
    manager = hiring_manager_for(offer.application.job)
    for extra in (offer.created_by, manager):
        if extra is not None and extra.is_active and extra not in people:
            people.append(extra)
    for person in people:
        _alert_staff(person, offer, key=f"offer:{offer.pk}:{outcome}:{person.pk}",
                     url=f"{settings.PUBLIC_BASE_URL}/admin/onboarding/offer/{offer.pk}/change/",
                     title_fn=lambda: _("Offer %(o)s") % {"o": _outcome(outcome)},
                     message_fn=lambda: _("%(c)s: offer for %(job)s %(o)s. %(d)s")
                     % {"c": candidate.name, "job": offer.application.job.title, "o": _outcome(outcome), "d": detail})


@transaction.atomic
def offer_sign(*, candidate_id: int, offer_id: int, typed_name: str, signature_png: bytes, accept_terms: bool,
               ip: str = "", user_agent: str = "") -> Offer:
    """The candidate signs and accepts in the portal: the letter must be exactly the one sent (hash), the typed
    name must match, a drawn signature is stored with time, IP and user agent, a signed copy with a signature
    page is generated; the application moves to hired and onboarding starts (R-OFFER-3, R-OFFER-4)."""
    offer = _candidate_offer_locked(candidate_id, offer_id)
    if offer.state != OfferState.SENT:
        _conflict(offer, _("This offer can no longer be signed (it is %(s)s).") % {"s": offer.get_state_display()})
    if offer.valid_until < timezone.localdate():
        _conflict(offer, _("This offer expired on %(d)s.") % {"d": offer.valid_until})
    errors = {}
    typed = " ".join((typed_name or "").split())
    if not typed or typed.replace(" ", "").lower() != offer.application.candidate.name.replace(" ", "").lower():
        errors["typed_name"] = [_("Type your full name exactly as in the letter.")]
    if not signature_png or not letters.is_png(signature_png) or len(signature_png) > SIGNATURE_MAX_BYTES:
        errors["signature"] = [_("Draw your signature in the box.")]
    if not accept_terms:
        errors["accept_terms"] = [_("Tick the box to accept the offer.")]
    if errors:
        raise ValidationError(errors)
    check = offer_document_verify(offer)
    if not check["ok"]:
        audit_record(actor=f"candidate:{candidate_id}", action="offer.sign_refused", obj=offer,
                     changes={"problems": [None, check["problems"]]})
        _conflict(offer, _("The offer letter changed after it was sent; it cannot be signed. HR has been told."))
    now = timezone.now()
    with offer.letter_docx.open("rb") as fh:
        docx = fh.read()
    copy = letters.signed_copy(docx, signature_png=signature_png, typed_name=typed,
                               signed_at=timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S %Z"), ip=ip,
                               document_sha256=offer.document_sha256)
    sig = OfferSignature(offer=offer, typed_name=typed, signed_at=now, ip=ip or None, user_agent=user_agent[:400],
                         signature_sha256=letters.sha256(signature_png), document_sha256=offer.document_sha256,
                         signed_copy_sha256=letters.sha256(copy))
    stem = f"offer-{offer.pk}-signed-{uuid.uuid4().hex[:8]}"
    sig.signature_png.save(f"{stem}.png", ContentFile(signature_png), save=False)
    sig.signed_copy.save(f"{stem}.docx", ContentFile(copy), save=False)
    sig.save()
    offer.responded_at = now
    _move(offer, "accept", actor=f"candidate:{candidate_id}",
          changes={"signed_document_sha256": [None, offer.document_sha256],
                   "signed_copy_sha256": [None, sig.signed_copy_sha256], "ip": [None, ip]})
    _pipeline(f"candidate:{candidate_id}", offer.application_id, "hire", reason=_("Offer #%(id)s accepted") % {"id": offer.pk})
    onboarding_start_for_offer(offer_id=offer.pk)
    _notify_outcome(offer, "accepted")
    _tell_candidate(offer, key=f"offer:{offer.pk}:accepted:candidate", template_key="offer_accepted",
                    extra={"start_date": offer.start_date.isoformat(),
                           "portal_url": links.portal_link(candidate_id, next_path="/portal/onboarding/")})
    return offer


@transaction.atomic
def offer_decline(*, candidate_id: int, offer_id: int, reason: str) -> Offer:
    """The candidate declines with a reason; the application is withdrawn and HR told (R-OFFER-4)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Please tell us why you decline.")]})
    offer = _candidate_offer_locked(candidate_id, offer_id)
    if offer.state != OfferState.SENT:
        _conflict(offer, _("This offer can no longer be declined (it is %(s)s).") % {"s": offer.get_state_display()})
    offer.decline_reason = reason[:2000]
    offer.responded_at = timezone.now()
    _move(offer, "decline", actor=f"candidate:{candidate_id}", reason=reason)
    _pipeline(f"candidate:{candidate_id}", offer.application_id, "withdraw",
              reason=_("Offer #%(id)s declined: %(reason)s") % {"id": offer.pk, "reason": reason})
    _notify_outcome(offer, "declined", reason)
    return offer


@transaction.atomic
def offer_withdraw(*, actor, offer_id: int, reason: str) -> Offer:
    """HR withdraws an open offer with a reason; a sent one is taken back from the candidate (R-OFFER-4).
    The application stays where it is: HR decides its next move."""
    _require(actor, "onboarding.change_offer")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason for withdrawing the offer.")]})
    offer = _lock_offer(actor, offer_id)
    if offer.state not in (OfferState.DRAFT, OfferState.PENDING_APPROVAL, OfferState.APPROVED, OfferState.SENT):
        _conflict(offer, _("This offer is %(s)s already.") % {"s": offer.get_state_display()})
    was_sent = offer.state == OfferState.SENT
    offer.withdraw_reason = reason
    _move(offer, "withdraw", actor=actor, reason=reason)
    OfferApproval.objects.filter(offer=offer, decision__in=[ApprovalDecision.PENDING, ApprovalDecision.WAITING]) \
        .update(decision=ApprovalDecision.SUPERSEDED)
    if was_sent:
        _tell_candidate(offer, key=f"offer:{offer.pk}:withdrawn:candidate", template_key="offer_withdrawn")
    _notify_outcome(offer, "withdrawn", reason)
    return offer


def onboarding_start_for_offer(*, offer_id: int):
    """An accepted offer starts onboarding (R-ONB-1, R-OFFER-4, R-ATT-1).

    Called inside ``offer_sign``'s transaction, after the application moved to ``hired``: opens the onboarding
    case with its checklist and schedules the attendance account for ``offer.start_date``; the employee record
    (salary, start date, probation from the offer) follows on the start date. Idempotent."""
    from .services_employee import onboarding_case_open  # noqa: PLC0415

    return onboarding_case_open(offer_id=offer_id)


# -- sweeps ----------------------------------------------------------------------------------------------

def offers_expire_due(*, now: datetime, batch: int = 200) -> dict:
    """Sent offers past their answer date expire; the application is withdrawn; HR and the candidate told
    (R-OFFER-4)."""
    today = timezone.localdate(now)
    ids = list(Offer.objects.filter(state=OfferState.SENT, valid_until__lt=today).values_list("pk", flat=True)[:batch])
    expired = 0
    for offer_id in ids:
        with transaction.atomic():
            offer = (Offer.objects.select_for_update(skip_locked=True)
                     .select_related("application__job__department", "application__candidate")
                     .filter(pk=offer_id, state=OfferState.SENT).first())
            if offer is None:
                continue
            _move(offer, "expire", actor="hr_tick", reason=_("not answered by %(day)s") % {"day": offer.valid_until})
            if offer.application.state == AppState.OFFER:
                _pipeline("hr_tick", offer.application_id, "withdraw", reason=_("Offer #%(id)s expired") % {"id": offer.pk})
            _notify_outcome(offer, "expired")
            _tell_candidate(offer, key=f"offer:{offer.pk}:expired:candidate", template_key="offer_expired")
            expired += 1
    return {"expired": expired}


def approvals_remind_due(*, now: datetime, batch: int = 200) -> dict:
    """Remind approvers who let an offer wait: after ``OFFER_APPROVAL_REMIND_HOURS`` (24) and again every as many
    hours, at most ``OFFER_APPROVAL_MAX_REMINDERS`` (3) times (R-OFFER-2)."""
    hours = timedelta(hours=int(_setting("OFFER_APPROVAL_REMIND_HOURS", 24)))
    limit = int(_setting("OFFER_APPROVAL_MAX_REMINDERS", 3))
    due = (OfferApproval.objects.filter(decision=ApprovalDecision.PENDING, offer__state=OfferState.PENDING_APPROVAL,
                                        activated_at__lte=now - hours, reminder_count__lt=limit)
           .values_list("pk", flat=True)[:batch])
    sent = 0
    for approval_id in list(due):
        with transaction.atomic():
            approval = (OfferApproval.objects.select_for_update(skip_locked=True)
                        .select_related("offer__application__job__department", "offer__application__candidate",
                                        "approver").filter(pk=approval_id).first())
            if approval is None or (approval.last_reminded_at and approval.last_reminded_at > now - hours):
                continue
            approval.reminder_count += 1
            approval.last_reminded_at = now
            approval.save(update_fields=["reminder_count", "last_reminded_at"])
            offer = approval.offer
            candidate = offer.application.candidate
            _alert_staff(approval.approver, offer, url=approval_url(approval),
                         key=f"offer:{offer.pk}:approval:{approval.pk}:remind:{approval.reminder_count}",
                         title_fn=lambda: _("Reminder: offer waiting for your approval"),
                         message_fn=lambda c=candidate, o=offer, a=approval: _(
                             "The offer for %(c)s (%(job)s) has been waiting since %(t)s.")
                         % {"c": c.name, "job": o.application.job.title,
                            "t": timezone.localtime(a.activated_at).strftime("%Y-%m-%d %H:%M")})
            audit_record(actor="hr_tick", action="offer.approval.remind", obj=offer,
                         changes={"approval": [None, approval.pk], "reminders": [None, approval.reminder_count]})
            sent += 1
    return {"reminded": sent}


# -- onboarding data from the portal (R-PORTAL-3) --------------------------------------------------------

@transaction.atomic
def onboarding_info_save(*, candidate_id: int, **fields) -> OnboardingInfo:
    """Store what the candidate adds; empty answers keep what was there (R-PORTAL-3). Refused until the candidate
    has accepted an offer: nobody who is only applying is asked for bank or insurance numbers (data minimisation)."""
    if not selectors.candidate_offer_accepted(candidate_id):
        raise Conflict(_("We ask for onboarding details only after you have accepted an offer."))
    unknown = set(fields) - set(selectors.ONBOARDING_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    errors = {}
    for name, value in fields.items():
        if len(str(value or "")) > 300:
            errors[name] = [_("At most 300 characters.")]
    phone = (fields.get("emergency_contact_phone") or "").strip()
    if phone:
        from hrsys.crypto.fields import normalize_phone  # noqa: PLC0415

        if not normalize_phone(phone).startswith("+"):
            errors["emergency_contact_phone"] = [_("Not a valid phone number.")]
    account = (fields.get("bank_account") or "").replace(" ", "")
    if account and not (account.isdigit() and 12 <= len(account) <= 30):
        errors["bank_account"] = [_("A bank account number has 12 to 30 digits.")]
    if errors:
        raise ValidationError(errors)
    info, _created = OnboardingInfo.objects.select_for_update().get_or_create(candidate_id=candidate_id)
    changed = []
    for name, value in fields.items():
        value = (value or "").strip()
        if name == "bank_account":
            value = value.replace(" ", "")
        if value and value != getattr(info, name):
            setattr(info, name, value)
            changed.append(name)
    info.save()
    if changed:
        audit_record(actor=f"candidate:{candidate_id}", action="onboarding_info.save", obj=info,
                     changes={name: ["***", "***"] for name in changed})
    return info


UPLOAD_TYPES = {  # magic bytes -> (content type, extension)
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
    b"%PDF-": ("application/pdf", "pdf"),
}


def sniff_upload(data: bytes) -> tuple[str, str] | None:
    for magic, kind in UPLOAD_TYPES.items():
        if data.startswith(magic):
            return kind
    return None


@transaction.atomic
def candidate_document_upload(*, candidate_id: int, kind: str, data: bytes, filename: str = "") -> CandidateDocument:
    """An ID card, licence, certificate or photo: JPEG, PNG or PDF by content, at most 5 MB, stored encrypted
    (R-PORTAL-3, R-SEC-2). Like the onboarding details, only after the candidate has accepted an offer."""
    if not selectors.candidate_offer_accepted(candidate_id):
        raise Conflict(_("We ask for onboarding details only after you have accepted an offer."))
    errors = {}
    if kind not in DocumentKind.values:
        errors["kind"] = [_("Choose what the document is.")]
    limit = int(_setting("PORTAL_UPLOAD_MAX_BYTES", UPLOAD_MAX_BYTES))
    sniffed = sniff_upload(data or b"")
    if not data:
        errors["file"] = [_("The file is empty.")]
    elif len(data) > limit:
        errors["file"] = [_("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}]
    elif sniffed is None:
        errors["file"] = [_("Upload a JPEG, PNG or PDF file.")]
    if errors:
        raise ValidationError(errors)
    if not Candidate.objects.filter(pk=candidate_id).exists():
        raise Http404
    content_type, ext = sniffed
    doc = CandidateDocument(candidate_id=candidate_id, kind=kind, content_type=content_type, size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(), original_name=(filename or "")[-200:])
    doc.file.save(f"{uuid.uuid4().hex}.{ext}", ContentFile(data), save=False)
    doc.save()
    audit_record(actor=f"candidate:{candidate_id}", action="candidate_document.upload", obj=doc,
                 changes={"kind": [None, kind], "size": [None, len(data)], "content_type": [None, content_type]})
    return doc
