"""The pipeline's data classes for the retention sweep (R-SEC-5), registered from ``CandidatesConfig.ready()``.

A candidate's period counts from the last move of each of their applications, in the organisation of that
application's job; a candidate who applied in two organisations is kept until both periods have run out.
"""

from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from hrsys.api.errors import Conflict
from hrsys.audit.services import audit_record
from hrsys.privacy.registry import ANONYMISE, DELETE, DataClass, register_data_class
from notifications.services import notification_texts_erase, notifications_erasable

from .models import Application, Candidate, LegalHold, Resume, State
from .selectors import CANDIDATE_RECIPIENT
from .services import candidate_anonymise

ACTOR = "retention"
CLOSED = (State.REJECTED, State.WITHDRAWN)
CLOSED_OR_POOL = (State.REJECTED, State.WITHDRAWN, State.TALENT_POOL)


def active_holds():
    return LegalHold.objects.filter(released_at__isnull=True)


def _expired_candidates(cutoffs, *, states, needs=None):
    """Candidates not anonymised nor held, with an application, every application in ``states`` and moved
    there before its organisation's cutoff (``needs``: at least one application in that state)."""
    apps = Application.objects.filter(candidate=OuterRef("pk"))
    kept = apps.exclude(state__in=states) | apps.filter(~cutoffs.expired(path="job__department",
                                                                         moment="state_changed_at"))
    qs = (Candidate.objects.filter(anonymised_at__isnull=True, applications__isnull=False)
          .filter(~Exists(kept)).filter(~Exists(active_holds().filter(candidate=OuterRef("pk")))))
    if needs:
        qs = qs.filter(Exists(apps.filter(state=needs)))
    return Candidate.objects.filter(pk__in=qs.values("pk"))


def _anonymise(*, ids, now, cutoffs, reason) -> int:
    done = 0
    for candidate_id in ids:
        try:
            candidate_anonymise(actor=ACTOR, candidate_id=candidate_id, reason=str(reason), now=now)
        except Conflict:  # placed on hold or applied again since the query: kept, and not counted
            continue
        done += 1
    return done


def _rejected_due(cutoffs):
    return _expired_candidates(cutoffs, states=CLOSED)


def _rejected_purge(*, ids, now, cutoffs) -> int:
    ids = list(_rejected_due(cutoffs).filter(pk__in=ids).values_list("pk", flat=True))
    return _anonymise(ids=ids, now=now, cutoffs=cutoffs, reason=_("Retention period of rejected candidates"))


def _pool_due(cutoffs):
    return _expired_candidates(cutoffs, states=CLOSED_OR_POOL, needs=State.TALENT_POOL)


def _pool_purge(*, ids, now, cutoffs) -> int:
    ids = list(_pool_due(cutoffs).filter(pk__in=ids).values_list("pk", flat=True))
    return _anonymise(ids=ids, now=now, cutoffs=cutoffs, reason=_("Retention period of the talent pool"))


def _resumes_due(cutoffs):
    return Resume.objects.filter(candidate__in=_expired_candidates(cutoffs, states=CLOSED))


def _resumes_purge(*, ids, now, cutoffs) -> int:
    done = 0
    for resume in _resumes_due(cutoffs).select_for_update(skip_locked=True).filter(pk__in=ids):
        resume.file.delete(save=False)
        audit_record(actor=ACTOR, action="resume.purge", obj=("candidates.resume", resume.pk),
                     changes={"candidate": [resume.candidate_id, None]})
        resume.delete()
        done += 1
    return done


def _messages_due(cutoffs):
    held = active_holds().annotate(key=Cast("candidate_id", CharField())).values("key")
    return (notifications_erasable().filter(cutoffs.expired(path="department", moment="created_at"))
            .exclude(recipient_type=CANDIDATE_RECIPIENT, recipient_id__in=held))


def _messages_purge(*, ids, now, cutoffs) -> int:
    ids = list(_messages_due(cutoffs).filter(pk__in=ids).values_list("pk", flat=True))
    return notification_texts_erase(ids=ids, now=now) if ids else 0


def register():
    # résumés and message texts first: a candidate anonymised the same night would have lost them already, and
    # the dry run's counts then add up to what the sweep removes
    register_data_class(DataClass(
        key="rejected_candidates", label=_("Rejected and withdrawn candidates"), default_days=365, action=ANONYMISE,
        counted_from=_("the last application was rejected or withdrawn"), due=_rejected_due, department="applications__job__department",
        purge=_rejected_purge, order=10))
    register_data_class(DataClass(
        key="talent_pool", label=_("Talent pool"), default_days=730, action=ANONYMISE,
        counted_from=_("the candidate was put in the talent pool"), due=_pool_due, purge=_pool_purge, order=20,
        department="applications__job__department"))
    register_data_class(DataClass(
        key="resumes", label=_("Résumés of rejected candidates"), default_days=180, action=DELETE,
        counted_from=_("the last application was rejected or withdrawn"), due=_resumes_due,
        purge=_resumes_purge, order=5, department="candidate__applications__job__department"))
    register_data_class(DataClass(
        key="message_bodies", label=_("Message texts"), default_days=180, action=ANONYMISE,
        counted_from=_("the message was created"), due=_messages_due, purge=_messages_purge, order=6, department="department"))
