"""Sending an approved offer (R-OFFER-3, R-OFFER-4, R-HOSP-1): the Word letter (and its PDF), stored encrypted
with its SHA-256, the application moved to ``offer``, the candidate sent a portal link; and the check that the
stored documents are still the ones sent."""

import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import State as AppState
from candidates.selectors import responsible_hr
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import staff_user as _user

from .. import letters, links
from ..models import Offer, OfferSignature, OfferState
from ._common import _conflict, _lock_offer, _move, _pipeline, _send
from .drafts import check_credentials


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
    check_credentials(offer.application)


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
