"""The approval chain of an offer (R-OFFER-2): the policy (hiring manager; the HR director above the band, for
an urgent job or a level without a band), submitting a draft, an approver's decision, reminders to approvers
who let an offer wait."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import Priority
from candidates.selectors import responsible_hr
from hrsys.accounts.models import Role
from hrsys.accounts.selectors import department_managers
from hrsys.api.errors import Conflict
from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import staff_user as _user
from hrsys.core.timezones import local_text

from .. import selectors
from ..models import ApprovalDecision, ApprovalRole, Offer, OfferApproval, OfferState
from ._common import _alert_staff, _conflict, _lock_offer, _move, _outcome, _setting, approval_url
from .drafts import check_credentials, check_terms

User = get_user_model()


def hiring_manager_for(job):
    """The manager of the job's department, else of the nearest department above it."""
    return next(iter(department_managers(job.department)), None)


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
    check_credentials(offer.application)
    check_terms(offer)
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
                            "t": local_text(a.activated_at)})
            audit_record(actor="hr_tick", action="offer.approval.remind", obj=offer,
                         changes={"approval": [None, approval.pk], "reminders": [None, approval.reminder_count]})
            sent += 1
    return {"reminded": sent}
