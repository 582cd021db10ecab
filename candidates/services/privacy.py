"""Legal holds and anonymising a candidate (PIPL, R-SEC-5, R-SEC-6).

Anonymising keeps what statistics need -- the applications with their jobs, stages, sources and dates, the
education level and years of experience -- and removes who the person was: name, contact details, ID number,
skills, résumés, credential scans, the texts of the messages they were sent and their contact details there.
The audit trail stays (it never held the values: encrypted fields are masked).
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hrsys.api.errors import Conflict
from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm as _require_perm
from hrsys.core.actors import require_visible as _visible
from hrsys.core.actors import staff_user as _user
from notifications.services import notification_cancel, notification_texts_erase, notifications_finished

from ..models import HIRED_STATES, OPEN_STATES, Candidate, LegalHold, Resume
from ..signals import candidate_anonymised

#: what an anonymised candidate is called from then on (a placeholder, not a translation: stored data)
ANONYMISED_NAME = "—"


def candidate_on_hold(candidate_id: int) -> bool:
    return LegalHold.objects.filter(candidate_id=candidate_id, released_at__isnull=True).exists()


def held_candidates():
    """The ids of candidates under a legal hold now, as a subquery: what no sweep of any stage removes."""
    return LegalHold.objects.filter(released_at__isnull=True).values("candidate_id")


@transaction.atomic
def legal_hold_place(*, actor, candidate_id: int, reason: str) -> LegalHold:
    """Keep everything of this candidate until the hold is released (litigation, an inquiry; R-SEC-5)."""
    _require_perm(actor, "candidates.add_legalhold")
    _visible(Candidate, actor, candidate_id)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the data must be kept.")]})
    candidate = Candidate.objects.select_for_update().get(pk=candidate_id)
    if candidate.anonymised_at:
        raise Conflict(_("This candidate's data was already removed."))
    if candidate_on_hold(candidate_id):
        raise Conflict(_("This candidate is already under a legal hold."))
    hold = LegalHold.objects.create(candidate=candidate, reason=reason.strip(), placed_by=_user(actor))
    audit_record(actor=actor, action="legal_hold.place", obj=hold, changes={"candidate": [None, candidate_id]},
                 reason=reason.strip())
    return hold


@transaction.atomic
def legal_hold_release(*, actor, hold_id: int, reason: str = "") -> LegalHold:
    _require_perm(actor, "candidates.change_legalhold")
    _visible(LegalHold, actor, hold_id)
    hold = LegalHold.objects.select_for_update().get(pk=hold_id)
    if hold.released_at:
        raise Conflict(_("This legal hold was already released."))
    hold.released_at, hold.released_by = timezone.now(), _user(actor)
    hold.save(update_fields=["released_at", "released_by"])
    audit_record(actor=actor, action="legal_hold.release", obj=hold,
                 changes={"released_at": [None, hold.released_at.isoformat()]}, reason=reason)
    return hold


@transaction.atomic
def candidate_anonymise(*, actor, candidate_id: int, reason: str, now: datetime | None = None) -> Candidate:
    """Remove a candidate's personal data, keep anonymised statistics (R-SEC-5 retention, R-SEC-6 deletion).

    Refused (409) under a legal hold and while an application is open or hired: the person is still in the
    process (or an employee, whose file has its own period).
    """
    _require_perm(actor, "candidates.delete_candidate")
    _visible(Candidate, actor, candidate_id)
    now = now or timezone.now()
    candidate = Candidate.objects.select_for_update().get(pk=candidate_id)
    if candidate.anonymised_at:
        return candidate  # idempotent: a sweep or a request carried out twice does nothing twice
    if candidate_on_hold(candidate_id):
        raise Conflict(_("This candidate is under a legal hold: their data cannot be deleted until it is released."))
    if candidate.applications.filter(state__in=[*OPEN_STATES, *HIRED_STATES]).exists():
        raise Conflict(_("This candidate has an open or accepted application: close it first."))
    counts = {"resumes": 0, "credentials": 0}
    for resume in Resume.objects.select_for_update().filter(candidate=candidate):
        resume.file.delete(save=False)
        resume.delete()
        counts["resumes"] += 1
    for credential in candidate.credentials.select_for_update():
        if credential.file:
            credential.file.delete(save=False)
        credential.delete()
        counts["credentials"] += 1
    candidate.pool_entries.update(note="")
    # what they agreed to and when stays (the proof the processing had a basis); from where does not
    candidate.consents.update(ip=None, user_agent="")
    # messages not sent yet are not sent any more (their texts are then erased with the rest)
    counts["cancelled"] = notification_cancel(recipient=(Candidate._meta.label_lower, candidate_id), actor=actor,
                                              reason="candidate data deleted")
    message_ids = list(notifications_finished()
                       .for_recipient(Candidate._meta.label_lower, candidate_id).values_list("pk", flat=True))
    counts["messages"] = notification_texts_erase(ids=message_ids, now=now, contact=True) if message_ids else 0
    candidate.name = ANONYMISED_NAME
    candidate.phone = candidate.email = candidate.id_number = ""
    candidate.skills = []
    candidate.anonymised_at = now
    candidate.save()
    audit_record(actor=actor, action="candidate.anonymise", obj=candidate,
                 changes={key: [None, n] for key, n in counts.items()}, reason=reason)
    candidate_anonymised.send(sender=Candidate, candidate=candidate, actor=actor, now=now)
    return candidate
