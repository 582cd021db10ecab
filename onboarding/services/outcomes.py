"""How an offer ends (R-OFFER-3, R-OFFER-4): the candidate signs and accepts (and onboarding starts) or
declines in the portal, HR withdraws it, or it expires unanswered (sweep); HR, the hiring manager and the
candidate are told."""

import uuid
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import State as AppState
from candidates.selectors import responsible_hr
from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm as _require

from .. import letters, links, selectors
from ..models import ApprovalDecision, Offer, OfferApproval, OfferSignature, OfferState
from ._common import _alert_staff, _conflict, _lock_offer, _move, _outcome, _pipeline, _tell_candidate
from .approvals import hiring_manager_for
from .cases import onboarding_case_open
from .sending import offer_document_verify

SIGNATURE_MAX_BYTES = 512 * 1024


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
    case with its checklist, and attendance schedules the clock-in account for ``offer.start_date``; the employee
    file (salary, start date, probation from the offer) follows on the start date. Idempotent."""
    return onboarding_case_open(offer_id=offer_id)


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
