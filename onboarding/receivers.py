"""What offers and onboarding do when the pipeline tells them something about a candidate."""

from hrsys.audit.services import audit_record

from .models import CandidateDocument, ChecklistItem, Offer, OfferSignature, OnboardingInfo


def on_candidate_anonymised(sender, *, candidate, actor=None, now, **kwargs):
    """The person's data is gone (R-SEC-5, R-SEC-6): the documents they uploaded (files and rows), their
    onboarding details, the offer letters naming them and what was written about them go. The offers stay
    with their state, level, salary and dates (anonymised statistics: what was offered for which job)."""
    files = documents = 0
    for document in CandidateDocument.objects.select_for_update().filter(candidate=candidate):
        document.file.delete(save=False)
        document.delete()
        documents += 1
        files += 1
    OnboardingInfo.objects.filter(candidate=candidate).delete()
    offers = Offer.objects.filter(application__candidate=candidate)
    for offer in offers.select_for_update():
        for field in (offer.letter_docx, offer.letter_pdf):
            if field:
                field.delete(save=False)
                files += 1
        offer.decline_reason = offer.note = ""
        offer.expected_salary = None
        offer.save(update_fields=["letter_docx", "letter_pdf", "decline_reason", "note", "expected_salary"])
    for signature in OfferSignature.objects.select_for_update().filter(offer__in=offers):
        for field in (signature.signature_png, signature.signed_copy):
            if field:
                field.delete(save=False)
                files += 1
        signature.typed_name, signature.ip, signature.user_agent = "", None, ""
        signature.save(update_fields=["typed_name", "ip", "user_agent", "signature_png", "signed_copy"])
    ChecklistItem.objects.filter(case__candidate=candidate).update(note="")
    if files or documents:
        audit_record(actor=actor or "retention", action="onboarding.erase", obj=candidate,
                     changes={"documents": [None, documents], "files": [None, files]})
