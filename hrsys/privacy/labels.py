"""The audit trail's words for what retention and legal holds do (registered with hrsys.audit.labels)."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

WORDS = {
    "retention.sweep": _("Retention: nightly sweep"),
    "retention_policy.set": _("Retention policy: period set"),
    "legal_hold.place": _("Legal hold: placed"),
    "legal_hold.release": _("Legal hold: released"),
    "candidate.anonymise": _("Candidate: personal data removed"),
    "employee.anonymise": _("Employee: personal data removed"),
    "resume.purge": _("Résumé: deleted after the retention period"),
    "consent.give": _("Consent: given"),
    "consent.withdraw": _("Consent: withdrawn"),
    "privacy_notice.publish": _("Privacy notice: new version published"),
    "subject_request.create": _("Data request: received"),
    "subject_request.copy": _("Data request: copy prepared"),
    "subject_request.delete": _("Data request: deletion carried out"),
    "subject_request.refuse": _("Data request: refused"),
    "subject_request.copy_expire": _("Data request: copy expired and deleted"),
}


def privacy_words(obj: str, verb: str) -> str | None:
    words = WORDS.get(f"{obj}.{verb}")
    return gettext(str(words)) if words else None
