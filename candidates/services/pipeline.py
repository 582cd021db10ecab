"""Stage moves: ``application_transition``, the one way an application moves (the moves are listed in the
package's docstring), and the candidate's own withdrawal in the portal (R-PIPE-2, R-PIPE-4, R-HOSP-1,
R-HOSP-2, R-PORTAL-2)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from hrsys.api.errors import Conflict
from hrsys.audit.services import audit_record
from hrsys.core.actors import require_visible as _visible
from hrsys.core.actors import staff_user as _user
from hrsys.events.services import event_publish
from notifications.services import notification_create
from notifications.types import Recipient

from ..consent import consent_required
from ..models import INACTIVE_STATES, TRANSITION_NAMES, Application, Purpose, TalentPoolEntry, TransitionLog
from ..signals import application_closed
from .credentials import credential_problems_in_words
from .talent_pool import _pool_entry_add
from .transitions import _transition_meta, allowed_transitions, transition_label


def _blocked_reason(application, name) -> str:
    problems = application.credential_problems()
    if problems and name in (application.job.credential_checkpoints or []):
        return _("Blocked by the job's credential requirements: %(problems)s.") % {
            "problems": credential_problems_in_words(problems)}
    return _("The conditions for this move are not met.")


@transaction.atomic
def application_transition(*, actor, application_id: int, transition: str, reason: str = "") -> Application:
    """Move an application along the pipeline (R-PIPE-2, R-PIPE-4, R-HOSP-1, R-HOSP-2).

    Locks the row, checks scope, permission and guards, runs the django-fsm
    transition and writes a TransitionLog row and an AuditEvent in the same
    transaction. Illegal moves raise ``Conflict`` with the moves allowed now.
    """
    if transition not in TRANSITION_NAMES:
        raise ValidationError({"transition": [_("Unknown move %(name)s. Known moves: %(names)s.")
                                              % {"name": transition, "names": ", ".join(TRANSITION_NAMES)}]})
    user = _user(actor)
    _visible(Application, actor, application_id)
    app = (Application.objects.select_for_update().select_related("job", "candidate")
           .prefetch_related("candidate__credentials").get(pk=application_id))
    meta = _transition_meta(transition)
    source = app.state
    if not meta.has_transition(source):
        raise Conflict(_("%(move)s is not possible from the stage %(stage)s.")
                       % {"move": transition_label(transition), "stage": app.get_state_display()},
                       allowed=allowed_transitions(app, actor))
    if user is not None and not meta.has_transition_perm(app, source, user):
        raise PermissionDenied(transition)
    if not meta.conditions_met(app, source):
        raise Conflict(_blocked_reason(app, transition), allowed=allowed_transitions(app, actor))
    spec = meta.get_transition(source)
    reason = (reason or "").strip()
    if spec.custom.get("needs_reason") and not reason:
        raise ValidationError({"reason": [_("Give a reason for this move.")]})
    if transition == "to_talent_pool":  # kept after the application closes: only with its own consent (R-SEC-5)
        consent_required(application=app, purpose=Purpose.TALENT_POOL)
    if transition == "reactivate" and Application.objects.active().filter(
            candidate_id=app.candidate_id, job_id=app.job_id).exclude(pk=app.pk).exists():
        raise Conflict(_("The candidate already has another active application for this job."),
                       allowed=[n for n in allowed_transitions(app, actor) if n != "reactivate"])
    getattr(app, transition)()
    now = timezone.now()
    stage_seconds = max(0, int((now - app.state_changed_at).total_seconds()))
    app.state_changed_at = now
    try:
        app.save(update_fields=["state", "state_changed_at"])
    except ConcurrentTransition:  # only when a writer skipped the lock
        raise Conflict(_("Someone else moved this application just now; reload it."), allowed=[])
    TransitionLog.objects.create(application=app, actor=user, actor_label="" if user else str(actor), at=now,
                                 from_state=source, to_state=app.state, transition=transition, reason=reason,
                                 stage_seconds=stage_seconds)
    audit_record(actor=actor, action=f"application.{transition}", obj=app,
                 changes={"state": [source, app.state]}, reason=reason)
    event_publish(type="application.moved", organisation=app.job.department_id, payload={
        "application_id": app.pk, "candidate_id": app.candidate_id, "job_id": app.job_id,
        "transition": transition, "from_state": source, "to_state": app.state})
    if app.state in INACTIVE_STATES and source not in INACTIVE_STATES:
        application_closed.send(sender=Application, application=app, transition=transition, actor=actor,
                                reason=reason)
    if transition == "to_talent_pool":
        _pool_entry_add(app, source, reason)
    elif transition == "reactivate":
        TalentPoolEntry.objects.filter(application=app).update(reactivated_at=now, reactivated_into=app)
    return app


@transaction.atomic
def application_withdraw_by_candidate(*, candidate_id: int, application_id: int, reason: str) -> Application:
    """The candidate withdraws one of their own open applications in the portal (R-PORTAL-2): the pipeline move
    (booked interviews are cancelled through ``application_closed``) and an in-app note to the responsible HR.
    Another candidate's application is a 404, a closed one a 409, no reason a 400."""
    from ..selectors import responsible_hr  # noqa: PLC0415 -- candidates.selectors imports this package at load time

    app = (Application.objects.select_related("job__department", "candidate")
           .filter(pk=application_id, candidate_id=candidate_id).first())
    if app is None:
        raise Http404
    if not app.is_open:
        raise Conflict(_("This application is %(stage)s already.") % {"stage": app.get_state_display()}, allowed=[])
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Please tell us why.")]})
    application_transition(actor=f"candidate:{candidate_id}", application_id=app.pk, transition="withdraw",
                           reason=reason)
    for user in responsible_hr(app):
        with translation.override(user.preferred_language or "zh-hans"):
            title = _("%(c)s withdrew from %(job)s") % {"c": app.candidate.name, "job": app.job.title}
            message = _("Reason given: %(r)s. Booked interviews were cancelled.") % {"r": reason}
        notification_create(recipient=Recipient.for_user(user), channel="in_app", template_key="generic_alert",
                            context={"title": title, "message": message, "url": f"/admin/candidates/application/"
                                                                                 f"{app.pk}/change/"},
                            idempotency_key=f"application:{app.pk}:withdrawn-by-candidate:{user.pk}",
                            department=app.job.department, related=("candidates.application", app.pk),
                            actor="portal")
    app.refresh_from_db()
    return app
