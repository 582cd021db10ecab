"""New applications: one active application per candidate and job, scored on arrival (R-PIPE-2, R-PIPE-5)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm as _require_perm
from hrsys.core.actors import staff_user as _user
from hrsys.events.services import event_publish

from ..models import Application, Candidate, SourceChannel
from .jobs import _job_for_application
from .matches import _store_matches


def _application_insert(*, actor, candidate, job, source, reactivated_from=None) -> Application:
    if Application.objects.active().filter(candidate=candidate, job=job).exists():
        raise ValidationError({"job": [_("This candidate already has an active application for this job.")]})
    app = Application.objects.create(candidate=candidate, job=job, source=source,
                                     created_by=_user(actor), reactivated_from=reactivated_from)
    audit_record(actor=actor, action="application.create", obj=app,
                 changes={"candidate": [None, candidate.pk], "job": [None, job.pk], "state": [None, app.state]})
    _store_matches([Application.objects.select_related("job", "candidate").get(pk=app.pk)])
    app.refresh_from_db()
    event_publish(type="application.created", organisation=job.department_id, payload={
        "application_id": app.pk, "candidate_id": candidate.pk, "job_id": job.pk, "state": app.state,
        "source": app.source, "reactivated_from_id": app.reactivated_from_id})
    return app


@transaction.atomic
def application_create(*, actor, candidate_id: int, job_id: int, source: str | None = None,
                       reactivated_from_id: int | None = None) -> Application:
    """Apply a known candidate to an open job: one active application per candidate and job (R-PIPE-2)."""
    _require_perm(actor, "candidates.add_application")
    errors = {}
    user = _user(actor)
    candidates = Candidate.objects.for_user(user) if user is not None else Candidate.objects.all()
    candidate = candidates.filter(pk=candidate_id).first() if isinstance(candidate_id, int) else None
    if candidate is None:
        errors["candidate"] = [_("Unknown candidate.")]
    job = None
    try:
        job = _job_for_application(actor, job_id)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if source is not None and source not in SourceChannel.values:
        errors["source"] = [_("%(value)s is not one of: %(options)s.") % {"value": source, "options": ", ".join(SourceChannel.values)}]
    if errors:
        raise ValidationError(errors)
    return _application_insert(actor=actor, candidate=candidate, job=job, source=source or candidate.source,
                               reactivated_from=Application.objects.filter(pk=reactivated_from_id).first()
                               if reactivated_from_id else None)
