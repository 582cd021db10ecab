"""Licences and certificates: recorded with their scan, and their problems told in words (R-HOSP-1)."""

import os
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm as _require_perm
from hrsys.core.actors import require_visible as _visible

from .. import resumes
from ..models import Candidate, Credential, CredentialType
from .matches import candidate_recompute_matches


@transaction.atomic
def credential_add(*, actor, candidate_id: int, type: str, number: str = "", issuer: str = "",  # noqa: A002
                   issued_on=None, expires_on=None, file_data: bytes | None = None,
                   file_name: str = "") -> Credential:
    """Record a licence or certificate; rescoring follows (R-HOSP-1)."""
    _require_perm(actor, "candidates.add_credential")
    _visible(Candidate, actor, candidate_id)
    errors = {}
    if type not in CredentialType.values:
        errors["type"] = [_("Unknown credential type.")]
    if issued_on and expires_on and expires_on < issued_on:
        errors["expires_on"] = [_("A credential cannot expire before it was issued.")]
    if file_data is not None and resumes.sniff(file_data) != "pdf" and not file_data[:3] == b"\xff\xd8\xff" \
            and not file_data[:8] == b"\x89PNG\r\n\x1a\n":
        errors["file"] = [_("Upload the scan as PDF, JPEG or PNG.")]
    if errors:
        raise ValidationError(errors)
    cred = Credential(candidate_id=candidate_id, type=type, number=(number or "").strip(), issuer=issuer or "",
                      issued_on=issued_on, expires_on=expires_on)
    if file_data is not None:
        ext = os.path.splitext(file_name)[1].lower()[:6] or ".bin"
        cred.file.save(f"{uuid.uuid4().hex}{ext}", ContentFile(file_data), save=False)
    cred.save()
    audit_record(actor=actor, action="credential.add", obj=cred,
                 changes={"type": [None, type], "expires_on": [None, str(expires_on) if expires_on else None]})
    candidate_recompute_matches(candidate_id=candidate_id)
    return cred


def credential_problems_in_words(problems) -> str:
    """``Application.credential_problems()`` as people read it: "护士执业证书 expired on 2026-11-25; BLS is missing"."""
    parts = []
    for p in problems:
        if p["problem"] == "missing":
            parts.append(_("%(credential)s is missing") % {"credential": p["label"]})
        else:
            parts.append(_("%(credential)s expired on %(date)s") % {"credential": p["label"], "date": p["expires_on"]})
    return "; ".join(parts)
