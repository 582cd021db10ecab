"""What the interview services share: the settings they read, the row lock, the event log and audit line of
every change, the pipeline moves they make and the local time they write."""

from datetime import UTC

from django.conf import settings
from django.contrib.auth import get_user_model

from candidates.services import application_transition
from hrsys.audit.services import audit_record
from hrsys.core.actors import staff_user as _user
from hrsys.core.timezones import local_text
from hrsys.events.services import event_publish

from ..models import Interview, InterviewEvent

User = get_user_model()


RELATED = "interviews.interview"
AI_DEADLINE_HOURS = 24


def _setting(name, default):
    return getattr(settings, name, default)


def _label(actor) -> str:
    user = _user(actor)
    return user.username if user else str(actor)


def _lock_interview(interview_id) -> Interview:
    return (Interview.objects.select_for_update(of=("self",))
            .select_related("application", "application__job", "application__candidate", "round", "room")
            .get(pk=interview_id))


def _log(interview, *, actor, kind, from_state="", to_state="", detail=None, reason=""):
    detail = detail or {}
    InterviewEvent.objects.create(interview=interview, actor_label=_label(actor), kind=kind,
                                  from_state=from_state, to_state=to_state, detail=detail)
    changes = {"state": [from_state, to_state]} if from_state or to_state else {}
    changes.update({k: [None, v] for k, v in detail.items()})
    audit_record(actor=actor, action=f"interview.{kind}", obj=interview, changes=changes, reason=reason)


def _move(interview, transition_name, *, actor, detail=None, reason=""):
    """Run one interview transition and record it."""
    source = interview.state
    getattr(interview, transition_name)()
    interview.save()
    _log(interview, actor=actor, kind=transition_name, from_state=source, to_state=interview.state,
         detail=detail, reason=reason)
    if transition_name in OUTGOING_EVENTS:
        _publish(interview, OUTGOING_EVENTS[transition_name])


#: Interview moves integrators hear about (R-INT-2): every booking, cancellation and no-show passes _move.
OUTGOING_EVENTS = {"schedule": "interview.scheduled", "cancel": "interview.cancelled",
                   "mark_no_show": "interview.no_show"}


def _publish(interview, event_type):
    """Ids, kind, times and state; never the reason (free text) or the meeting link. Times in UTC, whether the
    interview was just booked (the caller's zone) or read back from the database."""
    application = interview.application
    event_publish(type=event_type, organisation=application.job.department_id, payload={
        "interview_id": interview.pk, "application_id": application.pk, "candidate_id": application.candidate_id,
        "job_id": application.job_id, "kind": interview.kind, "round_id": interview.round_id,
        "starts_at": _utc(interview.starts_at), "ends_at": _utc(interview.ends_at), "state": interview.state,
        "previous_interview_id": interview.previous_id})


def _utc(moment):
    return moment.astimezone(UTC) if moment is not None else None


def _pipeline_actor(actor):
    """The actor the pipeline sees: the HR user when they may move applications, else this app."""
    user = _user(actor)
    if user is not None and user.has_perm("candidates.change_application"):
        return user
    return f"interviews:{_label(actor)}"


def _app_transition(actor, application, name, reason=""):
    return application_transition(actor=_pipeline_actor(actor), application_id=application.pk, transition=name,
                                  reason=reason)


_local = local_text
