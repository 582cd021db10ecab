"""What the candidate gives for onboarding in the portal, once an offer is accepted (R-PORTAL-3, R-SEC-2):
the onboarding form and documents (ID card, licence, certificates, photo), stored encrypted."""

import hashlib
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from candidates.models import Candidate
from hrsys.api.errors import Conflict
from hrsys.audit.services import audit_record
from hrsys.crypto.fields import normalize_phone

from .. import selectors
from ..models import CandidateDocument, DocumentKind, OnboardingInfo
from ._common import _setting

UPLOAD_MAX_BYTES = 5 * 1024 * 1024


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
