"""Every write of offers and onboarding (R-OFFER-1..4, R-ONB-1, R-ONB-2, R-PORTAL-3, R-HOSP-1, R-HOSP-2), one
module per sub-domain; the public names are re-exported here, so ``from onboarding.services import offer_send``
works wherever it did.

Staff (``actor`` is a User, or a machine label):

* ``drafts`` -- ``offer_draft`` / ``offer_update``: HR drafts from the template, the candidate's preferences and
  the band; the rules every offer keeps (terms, band minimum, credentials).
* ``approvals`` -- ``offer_submit`` starts the approval chain (hiring manager; + HR director above band / urgent /
  no band); ``offer_decide``: an approver approves, rejects or requests a change; sweep ``approvals_remind_due``.
* ``sending`` -- ``offer_send``: Word letter (+ PDF with LibreOffice), SHA-256 recorded, candidate notified with
  a portal link; ``offer_document_verify``.
* ``outcomes`` -- ``offer_withdraw`` (HR, with a reason); the candidate's ``offer_sign`` (typed name + drawn
  signature; refuses a letter changed since sending; accepts and starts onboarding) and ``offer_decline``;
  sweep ``offers_expire_due``.
* ``cases`` -- the onboarding case and its checklist: ``onboarding_case_open`` / ``_reschedule`` / ``_cancel``,
  ``checklist_item_complete`` (+ ``_by_candidate``), sweep ``checklist_remind_due``.

* ``config`` -- the configuration API's writes (R-INT-4): pay bands, offer templates, checklist templates and
  their items.

Candidate (portal; ``candidate_id`` comes from the portal session, never from the request):

* ``onboarding_data`` -- ``onboarding_info_save`` / ``candidate_document_upload``.

Shared helpers (lock, move with audit, messages) are in ``_common``.
"""

from ._common import OUTCOME_WORDS, approval_url
from .approvals import (
    DECISIONS,
    approval_chain,
    approvals_remind_due,
    hiring_manager_for,
    offer_decide,
    offer_submit,
)
from .cases import (
    DEFAULT_CHECKLIST,
    checklist_item_complete,
    checklist_item_complete_by_candidate,
    checklist_remind_due,
    is_clinical,
    onboarding_case_cancel,
    onboarding_case_follow_start_date,
    onboarding_case_open,
    onboarding_case_reschedule,
    template_for_job,
)
from .config import (
    checklist_template_create,
    checklist_template_update,
    offer_template_create,
    offer_template_update,
    pay_band_create,
    pay_band_update,
)
from .drafts import (
    EDITABLE_FIELDS,
    MAX_PROBATION_MONTHS,
    SECRET_FIELDS,
    check_band_rules,
    check_credentials,
    check_terms,
    offer_draft,
    offer_update,
    template_for,
)
from .onboarding_data import (
    UPLOAD_MAX_BYTES,
    UPLOAD_TYPES,
    candidate_document_upload,
    onboarding_info_save,
    sniff_upload,
)
from .outcomes import (
    SIGNATURE_MAX_BYTES,
    offer_decline,
    offer_sign,
    offer_withdraw,
    offers_expire_due,
    onboarding_start_for_offer,
)
from .sending import letter_context, offer_document_verify, offer_send

__all__ = [
    "checklist_template_create", "checklist_template_update", "offer_template_create", "offer_template_update",
    "pay_band_create", "pay_band_update",
    "DECISIONS", "DEFAULT_CHECKLIST", "EDITABLE_FIELDS", "MAX_PROBATION_MONTHS", "OUTCOME_WORDS", "SECRET_FIELDS",
    "SIGNATURE_MAX_BYTES", "UPLOAD_MAX_BYTES", "UPLOAD_TYPES", "approval_chain", "approval_url",
    "approvals_remind_due", "candidate_document_upload", "check_band_rules", "check_credentials", "check_terms",
    "checklist_item_complete", "checklist_item_complete_by_candidate", "checklist_remind_due", "hiring_manager_for",
    "is_clinical", "letter_context", "offer_decide", "offer_decline", "offer_document_verify", "offer_draft",
    "offer_send", "offer_sign", "offer_submit", "offer_update", "offer_withdraw", "offers_expire_due",
    "onboarding_case_cancel", "onboarding_case_follow_start_date", "onboarding_case_open",
    "onboarding_case_reschedule", "onboarding_info_save", "onboarding_start_for_offer", "sniff_upload",
    "template_for", "template_for_job",
]
